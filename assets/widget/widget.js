/* Parley chat loader: draws the launcher when the browser is idle and loads the chat (an
 * iframe running WebAssembly) on click. Configuration and page API: assets/widget/README.md. */
(function () {
  'use strict';
  var w = window, d = document;
  if (w.Parley && w.Parley.version) return;
  var script = d.currentScript;
  var src = script && script.src ? new URL(script.src, location.href) : null;
  var origin = src ? src.origin : location.origin;
  var cfg = {}, started = false, avail = true, title = '', inv = 0, pws;
  var host, root, btn, badge, dot, panel, frame, frameReady = false, pending = [];
  var st = { open: false, unread: 0, active: false };
  var POS = ['top-left', 'top-right', 'bottom-left', 'bottom-right', 'center-left', 'center-right'];
  var L = {
    en: ['Chat with us', 'Open chat', 'Close chat', 'unread', 'Chat', 'offline'],
    de: ['Chatten Sie mit uns', 'Chat öffnen', 'Chat schließen', 'ungelesen', 'Chat', 'offline'],
    fr: ['Discutez avec nous', 'Ouvrir le chat', 'Fermer le chat', 'non lu(s)', 'Chat', 'hors ligne']
  };

  function assign(a, b) {
    for (var k in b) if (Object.prototype.hasOwnProperty.call(b, k)) a[k] = b[k];
    return a;
  }
  function lang(a) {
    var l = (cfg.lang || (navigator.languages && navigator.languages[0]) || navigator.language || 'en').slice(0, 2).toLowerCase();
    return a || L[l] ? l : 'en';
  }
  function t(i) { return L[lang()][i]; }
  function key() { return 'parley.launcher.' + cfg.hash; }
  function load() {
    try { return JSON.parse(localStorage.getItem(key())) || {}; } catch (e) { return {}; }
  }
  function save() {
    try {
      if (st.active) localStorage.setItem(key(), JSON.stringify({ a: 1, o: st.open ? 1 : 0, t: Date.now() }));
      else localStorage.removeItem(key());
    } catch (e) { /* storage blocked: the chat still works on this page */ }
  }
  function idle(f) {
    if (w.requestIdleCallback) w.requestIdleCallback(f, { timeout: 3000 });
    else setTimeout(f, 200);
  }

  var CSS = ':host{all:initial!important}' +
    '*{box-sizing:border-box}' +
    '.l{position:fixed;z-index:2147483000;width:60px;height:60px;border-radius:50%;border:0;padding:0;cursor:pointer;' +
    'background:var(--c);color:#fff;box-shadow:0 6px 20px rgba(15,23,42,.28);display:flex;align-items:center;justify-content:center;' +
    'transition:transform .15s ease,box-shadow .15s ease;font:600 13px/1 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}' +
    '.l:hover{transform:scale(1.06);box-shadow:0 8px 26px rgba(15,23,42,.34)}' +
    '.l:focus-visible{outline:3px solid #fff;box-shadow:0 0 0 6px var(--c)}' +
    '.l svg{width:28px;height:28px;fill:currentColor}' +
    '.l .x{display:none}.l[aria-expanded=true] .x{display:block}.l[aria-expanded=true] .o{display:none}' +
    '.b{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;border-radius:11px;padding:0 6px;background:#e11d48;' +
    'color:#fff;font:700 12px/22px system-ui,sans-serif;text-align:center;border:2px solid #fff}' +
    '.d{position:absolute;bottom:3px;right:3px;width:14px;height:14px;border-radius:50%;border:2px solid #fff;background:#22c55e}' +
    '.d.off{background:#94a3b8}' +
    '.p{position:fixed;z-index:2147483001;width:380px;height:min(620px,calc(100vh - 120px));border-radius:16px;overflow:hidden;' +
    'background:#fff;box-shadow:0 12px 48px rgba(15,23,42,.28);opacity:0;transform:translateY(12px) scale(.98);pointer-events:none;' +
    'transition:opacity .18s ease,transform .18s ease;visibility:hidden}' +
    '.p.on{opacity:1;transform:none;pointer-events:auto;visibility:visible}' +
    '.p iframe{border:0;width:100%;height:100%;display:block;color-scheme:normal}' +
    '@media (max-width:480px){.p{inset:0!important;width:100%;height:100%;border-radius:0;transform:none!important}.p.on~.l{display:none}}' +
    '@media (prefers-reduced-motion:reduce){.l,.p{transition:none}}';

  var ICON_CHAT = 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z';
  var ICON_X = 'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z';
  function svg(dpath, cls) {
    return '<svg class="' + cls + '" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="' + dpath + '"/></svg>';
  }

  // place puts the launcher and the panel at one of the six MiCC positions.
  function place(pos) {
    if (POS.indexOf(pos) < 0) pos = 'bottom-right';
    var v = pos.split('-'), side = v[1], m = '20px';
    var ls = btn.style, ps = panel.style;
    ls[side] = m; ps[side] = m;
    if (v[0] === 'center') {
      ls.top = 'calc(50% - 30px)';
      ps.top = 'calc(50% - min(310px, calc(50vh - 60px)))';
      ps[side] = '92px';
    } else {
      ls[v[0]] = m;
      ps[v[0]] = '92px';
    }
  }

  function draw() {
    host = d.createElement('parley-chat');
    host.style.setProperty('display', 'block', 'important');
    host.style.setProperty('position', 'static', 'important');
    root = host.attachShadow ? host.attachShadow({ mode: 'open' }) : host;
    // A constructed style sheet passes strict host CSPs that forbid inline <style>.
    var style = null;
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      style = d.createElement('style');
      style.textContent = CSS;
    }
    panel = d.createElement('div');
    panel.className = 'p';
    panel.id = 'parley-panel';
    btn = d.createElement('button');
    btn.type = 'button';
    btn.className = 'l';
    btn.setAttribute('aria-controls', 'parley-panel');
    btn.setAttribute('aria-expanded', 'false');
    btn.innerHTML = svg(ICON_CHAT, 'o') + svg(ICON_X, 'x');
    btn.style.setProperty('--c', cfg.color || '#4f46e5');
    dot = d.createElement('span');
    dot.className = 'd';
    badge = d.createElement('span');
    badge.className = 'b';
    badge.hidden = true;
    btn.appendChild(dot);
    btn.appendChild(badge);
    btn.addEventListener('click', function () { st.open ? close() : open(); });
    if (style) root.appendChild(style);
    root.appendChild(panel);
    root.appendChild(btn);
    place(cfg.position);
    d.body.appendChild(host);
    // The page's hook once the launcher and the panel are there (the MiCC toolbox's movable card).
    if (typeof cfg.drawn === 'function') try { cfg.drawn(panel, root); } catch (e) { if (w.console) console.error(e); }
    paint();
  }

  function paint() {
    if (!btn) return;
    btn.setAttribute('aria-expanded', st.open ? 'true' : 'false');
    var label = st.open ? t(2) : (title || t(0)) + (avail ? '' : ' (' + t(5) + ')');
    if (st.unread > 0 && !st.open) label += ', ' + st.unread + ' ' + t(3);
    btn.setAttribute('aria-label', label);
    btn.title = st.open ? t(2) : (title || t(0));
    badge.hidden = !(st.unread > 0 && !st.open);
    badge.textContent = st.unread > 9 ? '9+' : String(st.unread);
    dot.className = avail ? 'd' : 'd off';
    panel.className = st.open ? 'p on' : 'p';
  }

  // makeFrame creates the chat iframe. The page's URL and the configuration travel in the
  // fragment, which the browser does not send to the server.
  function makeFrame() {
    if (frame || !panel) return;
    // The page's last word before the chat starts (MiCC's customizeRequest).
    if (typeof cfg.beforeChat === 'function') {
      try { cfg.beforeChat(cfg); } catch (e) { if (w.console) console.error(e); }
    }
    // A signed user id goes in pdata; the server checks it.
    var pdata = cfg.userId ? Object.assign({}, cfg.pdata, {user_id: '' + cfg.userId, user_hash: '' + (cfg.userHash || '')}) : cfg.pdata;
    var conf = {
      c: cfg.hash, page: location.href, ref: d.referrer, lang: cfg.lang, pdata: pdata, udata: cfg.udata,
      texts: cfg.texts, showWaitTime: cfg.showWaitTime, hideAgentName: cfg.hideAgentName, ws: cfg.wsUri, inv: inv,
      embed: cfg.embed
    };
    var q = '?c=' + encodeURIComponent(cfg.hash) + (cfg.wsUri ? '&ws=' + encodeURIComponent(cfg.wsUri) : '');
    frame = d.createElement('iframe');
    frame.title = t(4);
    frame.src = origin + '/widget/frame' + q + '#' + encodeURIComponent(JSON.stringify(conf));
    panel.appendChild(frame);
  }

  function post(msg) {
    if (frame && frameReady) frame.contentWindow.postMessage(msg, origin);
    else pending.push(msg);
  }

  function open() {
    if (!btn) return;
    makeFrame();
    st.open = true;
    post({ parley: 'open' });
    paint();
    save();
    if (frameReady) frame.focus();
  }

  function close() {
    if (!btn) return;
    if (inv && pws) pws.send('{"t":"dismiss"}');
    inv = 0;
    var had = st.open;
    st.open = false;
    post({ parley: 'hide' });
    paint();
    save();
    if (had) btn.focus();
  }

  // Messages from the chat frame: readiness, state for the launcher, minimize.
  w.addEventListener('message', function (e) {
    var m = e.data;
    if (frame && e.source === frame.contentWindow && e.origin === origin && m && m.parley) {
      if (m.parley === 'ready') {
        frameReady = true;
        var q = pending;
        pending = [];
        if (st.open) { q.unshift({ parley: 'open' }); frame.focus(); }
        for (var i = 0; i < q.length; i++) frame.contentWindow.postMessage(q[i], origin);
      } else if (m.parley === 'state') {
        st.unread = +m.unread || 0;
        st.active = !!m.active;
        paint();
        save();
      } else if (m.parley === 'minimize') {
        close();
      }
      return;
    }
    // MiCC postMessage API, accepted only from the allowed origin.
    if (m && m.apiType === 'ChatToolbox' && e.origin === (cfg.postMessageOrigin || location.origin)) {
      var a = m.arguments || {};
      if (m.methodName === 'SendMessage' && typeof a.message === 'string') {
        makeFrame();
        post({ parley: 'send', text: a.message, hideLocal: !!a.hideLocal });
      } else if (m.methodName === 'Open') open();
      else if (m.methodName === 'Close') close();
      else if (m.methodName === 'EndChat') { open(); post({ parley: 'close' }); }
    }
  });

  // Visitor presence: a socket of its own reports the page view and heartbeats, and brings an
  // agent's invitation, on which the chat loads.
  function presence() {
    var k = 'parley.v', vid, back = true;
    try { vid = localStorage.getItem(k); } catch (e) { /* blocked */ }
    if (!vid) {
      back = false;
      vid = Math.random().toString(36).slice(2) + Date.now().toString(36);
      try { localStorage.setItem(k, vid); } catch (e) { /* blocked */ }
    }
    pws = new WebSocket((cfg.wsUri || origin).replace(/^http/, 'ws') + '/ws/presence');
    pws.onopen = function () {
      pws.send(JSON.stringify({ t: 'view', c: cfg.hash, u: location.href, ti: d.title, r: d.referrer, v: vid, n: back, l: lang(1) }));
      setInterval(function () { if (!d.hidden) pws.send('{"t":"hb"}'); }, 30000);
    };
    pws.onmessage = function (e) {
      var m = JSON.parse(e.data);
      if (m.t === 'invite') {
        if (frame && !st.active) { panel.removeChild(frame); frame = null; frameReady = false; }
        inv = { chat: m.chat, token: m.token };
        open();
      } else inv = 0;
    };
  }

  function start() {
    if (started || !cfg.hash) return;
    started = true;
    var saved = load();
    var resume = saved.a && Date.now() - (saved.t || 0) < 12 * 3600 * 1000;
    var go = function () {
      // Ask whether the connector is open and this site may use it; a refused site gets a
      // clear message in the console and no launcher.
      fetch(origin + '/widget/status?c=' + encodeURIComponent(cfg.hash), { credentials: 'omit' })
        .then(function (r) {
          return r.json().catch(function () { return {}; }).then(function (j) { return { ok: r.ok, j: j }; });
        }, function () {
          return null; // server unreachable now: show the launcher, the chat retries by itself
        })
        .then(function (r) {
          if (r && !r.ok) {
            if (w.console) console.error('Parley chat: ' + (r.j.error || 'this chat cannot be used here'));
            return;
          }
          if (r) {
            avail = r.j.open !== false;
            title = r.j.title || '';
            if (!cfg.position && r.j.position) cfg.position = r.j.position;
          }
          draw();
          if (r && r.j.presence && w.WebSocket) presence();
          if (resume) {
            makeFrame();
            if (saved.o) open();
          } else if (cfg.prefetch) {
            makeFrame();
          }
        });
    };
    var whenBody = function () {
      if (d.body) idle(go);
      else d.addEventListener('DOMContentLoaded', function () { idle(go); });
    };
    whenBody();
  }

  w.Parley = {
    version: 1,
    initChat: function (c) {
      c = c || {};
      if (c.Hash && !c.hash) c.hash = c.Hash; // jtel spelling
      if (c.BaseWSURI && !c.wsUri) c.wsUri = c.BaseWSURI;
      assign(cfg, c);
      start();
    },
    open: function () { open(); },
    // available shows whether chat can be had now (a page that polls, as MiCC's toolbox does).
    available: function (on) { avail = !!on; paint(); },
    close: function () { close(); },
    send: function (text, hideLocal) {
      makeFrame();
      post({ parley: 'send', text: String(text), hideLocal: !!hideLocal });
    }
  };
  if (w.parleyConfig) assign(cfg, w.parleyConfig);
  if (script && script.getAttribute('data-connector')) cfg.hash = script.getAttribute('data-connector');
  if (script && script.getAttribute('data-position')) cfg.position = script.getAttribute('data-position');
  if (script && script.getAttribute('data-lang')) cfg.lang = script.getAttribute('data-lang');
  if (cfg.Hash && !cfg.hash) cfg.hash = cfg.Hash;
  start();
})();
