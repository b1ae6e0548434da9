/* MiCC Enterprise's stock chat toolbox on Parley: Mitel.ChatToolbox.Config and the
 * customizePage / customizeRequest hooks, shown with Parley's widget (/widget.js). */
(function () {
  'use strict';
  var w = window, d = document;
  var script = d.currentScript;
  var origin = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  var M = w.Mitel = w.Mitel || {};
  var T = M.ChatToolbox = M.ChatToolbox || {};
  if (T.started) return;
  var defaults = {
    ToolboxAvailable: true, ShowWhenUnavailable: true, StatePollInterval: 20, ShowEstimatedWaitTime: true,
    SessionID: '', CustomerName: 'Customer', CustomerID: '', CustomerEmail: '', CustomerPhone: '', InitialMessage: '',
    TenantID: -1, ServiceGroupID: 0, ServiceGroupName: '', PrivateData: '', HideAgentName: false, ShowPostChat: true,
    TimeoutAfterConversation: 0, ToolboxPosition: 'center-right', IdleTimeout: 300, WarningBeforeIdleTimeout: 60,
    AllowMovingChatCard: true, InitialMessageToAgent: '', PostedMessageAllowedOrigin: 'window.location.origin',
    MaxMessageLength: 0, MaxAttachmentSize: null, AllowedAttachmentTypes: [], RestrictedAttachmentTypes: []
  };
  var c = T.Config = T.Config || {};
  for (var k in defaults) if (!Object.prototype.hasOwnProperty.call(c, k)) c[k] = defaults[k];
  if (typeof T.customizePage !== 'function') T.customizePage = function () {};
  if (typeof T.customizeRequest !== 'function') T.customizeRequest = function () {};

  // request maps the Config onto the widget's configuration (the parts that apply to one chat).
  function request(cfg) {
    var pdata = {}, udata = {};
    if (c.CustomerName && c.CustomerName !== 'Customer') pdata.name = String(c.CustomerName);
    if (c.CustomerEmail) pdata.email = String(c.CustomerEmail);
    if (c.CustomerPhone) pdata.phone = String(c.CustomerPhone);
    if (c.CustomerID) pdata.customer_id = String(c.CustomerID);
    if (c.PrivateData) udata.PrivateData = String(c.PrivateData);
    if (c.SessionID) udata.SessionID = String(c.SessionID);
    if (c.InitialMessageToAgent) udata.InitialMessageToAgent = String(c.InitialMessageToAgent);
    cfg.pdata = pdata;
    cfg.udata = udata;
    cfg.showWaitTime = !!c.ShowEstimatedWaitTime;
    cfg.hideAgentName = !!c.HideAgentName;
    cfg.drawn = c.AllowMovingChatCard ? movable : null;
    cfg.embed = embed();
    return cfg;
  }

  // embed maps the Config's own limits and chat-page options onto the widget's "embed"
  // options. The limits only narrow the server's (0 or unset MaxMessageLength and an unset
  // MaxAttachmentSize leave the server's; MaxAttachmentSize 0 turns uploads off).
  function embed() {
    var e = { question: c.InitialMessage ? String(c.InitialMessage) : '', newChat: c.ShowPostChat !== false };
    if (+c.MaxMessageLength > 0) e.maxMessage = Math.floor(+c.MaxMessageLength);
    if (c.MaxAttachmentSize !== null && c.MaxAttachmentSize !== '' && isFinite(+c.MaxAttachmentSize) && +c.MaxAttachmentSize >= 0) {
      e.maxAttachmentKB = Math.floor(+c.MaxAttachmentSize);
    }
    e.allowedTypes = list(c.AllowedAttachmentTypes);
    e.restrictedTypes = list(c.RestrictedAttachmentTypes);
    if (e.newChat && +c.TimeoutAfterConversation > 0) e.newChatAfter = Math.floor(+c.TimeoutAfterConversation);
    return e;
  }
  // list takes a JSON string array, or a string holding one (as the document writes it) or a
  // comma-separated list.
  function list(v) {
    if (typeof v === 'string') {
      try { v = JSON.parse(v); } catch (e) { v = v.split(','); }
    }
    if (!Array.isArray(v)) return [];
    var out = [];
    for (var i = 0; i < v.length; i++) if (typeof v[i] === 'string' && v[i].trim()) out.push(v[i].trim());
    return out;
  }

  // movable lets the customer drag the chat card by a grip on its top edge, or move it with
  // the arrow keys there (AllowMovingChatCard); the place is kept for the page session. The
  // loader calls it with its panel once drawn. Styles are set through the CSSOM, which strict
  // page CSPs allow.
  function movable(panel) {
    var g = d.createElement('div'), bar = d.createElement('span'), k = 'parley.card.' + c.TenantID + '.' + (c.ServiceGroupID || c.ServiceGroupName);
    var label = { de: 'Chat verschieben', fr: 'Déplacer le chat' }[(navigator.language || '').slice(0, 2)] || 'Move the chat';
    var sx, sy, ox, oy;
    g.id = 'parley-grip';
    g.tabIndex = 0;
    g.setAttribute('role', 'button');
    g.setAttribute('aria-label', label);
    g.title = label;
    var gs = g.style, bs = bar.style;
    gs.position = 'absolute'; gs.top = '0'; gs.left = '50%'; gs.width = '64px'; gs.height = '16px'; gs.marginLeft = '-32px';
    gs.cursor = 'move'; gs.touchAction = 'none'; gs.zIndex = '1'; gs.display = 'flex'; gs.alignItems = 'center'; gs.justifyContent = 'center';
    bs.width = '36px'; bs.height = '4px'; bs.borderRadius = '2px'; bs.background = '#94a3b8';
    g.appendChild(bar);
    panel.appendChild(g);
    function frame(on) {
      // The chat frame runs in a process of its own: while it takes pointer events, the
      // browser gives it the moves over it, capture or not.
      var f = panel.querySelector('iframe');
      if (f) f.style.pointerEvents = on ? '' : 'none';
    }
    function to(x, y, keep) {
      x = Math.max(0, Math.min(x, w.innerWidth - panel.offsetWidth));
      y = Math.max(0, Math.min(y, w.innerHeight - panel.offsetHeight));
      var s = panel.style;
      s.left = x + 'px'; s.top = y + 'px'; s.right = s.bottom = 'auto';
      if (keep) try { sessionStorage.setItem(k, JSON.stringify([x, y])); } catch (e) { /* blocked */ }
    }
    g.addEventListener('pointerdown', function (e) {
      var r = panel.getBoundingClientRect();
      sx = e.clientX; sy = e.clientY; ox = r.left; oy = r.top;
      g.setPointerCapture(e.pointerId);
      frame(false);
    });
    g.addEventListener('pointermove', function (e) {
      if (g.hasPointerCapture(e.pointerId)) to(ox + e.clientX - sx, oy + e.clientY - sy, false);
    });
    g.addEventListener('pointerup', function () {
      var r = panel.getBoundingClientRect();
      to(r.left, r.top, true);
    });
    g.addEventListener('lostpointercapture', function () { frame(true); });
    g.addEventListener('keydown', function (e) {
      var m = { ArrowLeft: [-16, 0], ArrowRight: [16, 0], ArrowUp: [0, -16], ArrowDown: [0, 16] }[e.key];
      if (!m) return;
      e.preventDefault();
      var r = panel.getBoundingClientRect();
      to(r.left + m[0], r.top + m[1], true);
    });
    try {
      var p = JSON.parse(sessionStorage.getItem(k));
      if (p) to(+p[0] || 0, +p[1] || 0, false);
    } catch (e) { /* none kept */ }
  }

  var loaded = false;
  function query() {
    return '?TenantID=' + encodeURIComponent(c.TenantID) + '&ServiceGroupID=' + encodeURIComponent(c.ServiceGroupID || 0) +
      '&ServiceGroupName=' + encodeURIComponent(c.ServiceGroupName || '') +
      '&lang=' + encodeURIComponent(navigator.language || '');
  }
  // check asks for the service group's state; the first answer that may be shown loads the
  // widget, later ones set its availability. It repeats every StatePollInterval seconds.
  function check() {
    fetch(origin + '/CustomerChat/Chat/Group' + query(), { credentials: 'omit' })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
      .then(function (r) {
        if (!r.ok) {
          if (w.console) console.error('MiCC chat toolbox: ' + (r.j.Message || 'the service group cannot be used here'));
          return;
        }
        if (loaded) {
          if (w.Parley && w.Parley.available) w.Parley.available(r.j.Open);
        } else if (r.j.Open || c.ShowWhenUnavailable) {
          load(r.j);
        }
        poll();
      }, function () {
        if (w.console) console.error('MiCC chat toolbox: the chat server cannot be reached');
        poll();
      });
  }
  function poll() {
    var s = +c.StatePollInterval;
    if (s > 0) setTimeout(check, s * 1000);
  }
  function load(g) {
    loaded = true;
    var allowed = c.PostedMessageAllowedOrigin === 'window.location.origin' ? location.origin : c.PostedMessageAllowedOrigin;
    w.parleyConfig = request({
      hash: g.Hash, position: c.ToolboxPosition, postMessageOrigin: allowed, texts: g.Texts || {},
      beforeChat: function (cfg) {
        try { T.customizeRequest(); } catch (e) { if (w.console) console.error(e); }
        request(cfg);
      }
    });
    var s = d.createElement('script');
    s.src = origin + '/widget.js';
    s.async = true;
    d.head.appendChild(s);
  }
  function start() {
    T.started = true;
    try { T.customizePage(); } catch (e) { if (w.console) console.error(e); }
    if (c.ToolboxAvailable) check();
  }
  if (d.readyState === 'loading') d.addEventListener('DOMContentLoaded', start);
  else setTimeout(start, 0);
})();
