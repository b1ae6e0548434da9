//go:build js && wasm

package agentui

import "syscall/js"

// domShim is a minimal document for go-app's engine under Node, which has none: enough of
// the DOM for components to mount, update and be found by id. It exists only for the wasm
// run of the component tests; Chromium runs the real thing in the browser test.
const domShim = `(() => {
  if (globalThis.document) return;
  class Node {
    constructor(type, tag) { this.nodeType = type; this.tagName = tag; this.childNodes = []; this.parentNode = null;
      this.attributes = {}; this.listeners = {}; this.style = {}; this.value = ""; this.nodeValue = null; }
    get firstChild() { return this.childNodes[0] || null; }
    get firstElementChild() { return this.childNodes.find(n => n.nodeType === 1) || null; }
    get parentElement() { return this.parentNode; }
    appendChild(c) { if (c.parentNode) c.parentNode.removeChild(c); c.parentNode = this; this.childNodes.push(c); return c; }
    insertBefore(c, ref) { if (c.parentNode) c.parentNode.removeChild(c); const i = this.childNodes.indexOf(ref);
      c.parentNode = this; if (i < 0) this.childNodes.push(c); else this.childNodes.splice(i, 0, c); return c; }
    removeChild(c) { const i = this.childNodes.indexOf(c); if (i >= 0) this.childNodes.splice(i, 1); c.parentNode = null; return c; }
    replaceChild(n, o) { if (n.parentNode) n.parentNode.removeChild(n); const i = this.childNodes.indexOf(o);
      this.childNodes[i] = n; n.parentNode = this; o.parentNode = null; return o; }
    setAttribute(k, v) { this.attributes[k] = String(v); if (k === "id") this.id = String(v); }
    getAttribute(k) { return k in this.attributes ? this.attributes[k] : null; }
    removeAttribute(k) { delete this.attributes[k]; }
    addEventListener(t, f) { (this.listeners[t] = this.listeners[t] || []).push(f); }
    removeEventListener(t, f) { const l = this.listeners[t] || []; const i = l.indexOf(f); if (i >= 0) l.splice(i, 1); }
    focus() {} scrollIntoView() {} setSelectionRange() {}
    // Raw HTML (the drawn icons) becomes one element of its root tag, enough to mount it.
    set innerHTML(v) { this.childNodes = []; const m = /^\s*<([a-zA-Z][\w-]*)/.exec(String(v));
      if (m) { const n = new Node(1, m[1]); n.outerHTML = String(v); this.appendChild(n); } }
    set innerText(v) { this.childNodes = []; }
  }
  const storage = () => { const m = new Map(); return { getItem: k => m.has(k) ? m.get(k) : null,
    setItem: (k, v) => m.set(k, String(v)), removeItem: k => m.delete(k), clear: () => m.clear(),
    key: i => [...m.keys()][i] ?? null, get length() { return m.size; } }; };
  const document = new Node(9, "#document");
  const body = new Node(1, "BODY");
  body.appendChild(new Node(1, "DIV"));
  Object.assign(document, { body, documentElement: new Node(1, "HTML"), visibilityState: "visible", title: "",
    hasFocus: () => true,
    createElement: t => new Node(1, t.toUpperCase()),
    createElementNS: (ns, t) => new Node(1, t),
    createTextNode: v => { const n = new Node(3, "#text"); n.nodeValue = v; return n; },
    getElementById: id => { const walk = n => { if (n.id === id) return n;
      for (const c of n.childNodes) { const r = walk(c); if (r) return r; } return null; }; return walk(body); } });
  Object.assign(globalThis, { document, localStorage: storage(), sessionStorage: storage(),
    location: { href: "http://localhost/", protocol: "http:", host: "localhost" },
    history: { pushState() {}, replaceState() {} }, innerWidth: 1280, innerHeight: 800,
    addEventListener() {}, removeEventListener() {} });
})();`

func init() { js.Global().Call("eval", domShim) }
