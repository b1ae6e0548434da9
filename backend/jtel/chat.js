/* jtel compatibility: JTEL.initChat({Hash, BaseWSURI, BaseResourceURI, pdata, udata}) opens
 * Parley's chat for the connector of that Hash. See docs/coming-from-jtel.md. */
(function () {
  'use strict';
  var w = window, d = document;
  if (w.JTEL && w.JTEL.initChat) return;
  var s = d.currentScript;
  var home = s && s.src ? new URL(s.src, location.href).origin : location.origin;
  var queue = [], loading = false;

  function warn(m) { if (w.console) console.error('JTEL.initChat: ' + m); }
  // strings keeps pdata/udata as the agent sees them: text values, numbers and booleans as text.
  function strings(o) {
    var out = {};
    if (!o || typeof o !== 'object') return out;
    for (var k in o) {
      if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
      var v = o[k], t = typeof v;
      if (t === 'string') out[k] = v;
      else if (t === 'number' || t === 'boolean') out[k] = String(v);
      else if (v !== null && t === 'object') try { out[k] = JSON.stringify(v); } catch (e) { /* cyclic: left out */ }
    }
    return out;
  }
  function originOf(u) {
    try { var o = new URL(u, location.href).origin; return o === 'null' ? '' : o; } catch (e) { return ''; }
  }
  function flush() {
    var P = w.Parley;
    if (!P || !P.initChat) return warn('the chat could not be loaded');
    while (queue.length) P.initChat(queue.shift());
  }

  w.JTEL = {
    initChat: function (o) {
      o = o || {};
      var hash = typeof o.Hash === 'string' ? o.Hash.trim() : '';
      if (!hash) return warn('Hash is required: the chat connector\'s hash from the portal');
      var c = { hash: hash, pdata: strings(o.pdata), udata: strings(o.udata) };
      if (o.BaseWSURI) {
        if (/^wss?:\/\/[^\/]/i.test(o.BaseWSURI)) c.wsUri = o.BaseWSURI;
        else warn('BaseWSURI must start with wss:// or ws://; using ' + home);
      }
      // Parley serves the chat's resources itself, so BaseResourceURI names the server only.
      var root = o.BaseResourceURI ? originOf(o.BaseResourceURI) : home;
      if (!root) { warn('BaseResourceURI is not a URL; using ' + home); root = home; }
      queue.push(c);
      if (w.Parley && w.Parley.version) return flush();
      if (loading) return;
      loading = true;
      var el = d.createElement('script');
      el.src = root + '/widget.js';
      el.async = true;
      el.onload = flush;
      el.onerror = function () { warn('cannot reach the chat server at ' + root); };
      (d.head || d.documentElement).appendChild(el);
    }
  };
})();
