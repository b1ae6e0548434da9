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
    MaxMessageLength: 0, MaxAttachmentSize: 5120, AllowedAttachmentTypes: [], RestrictedAttachmentTypes: []
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
    return cfg;
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
