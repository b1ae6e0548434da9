/* Parley admin: progressive enhancements only; every page works without this script. */
(function () {
  'use strict';
  // The page's language gives the script its words: <body data-msg-NAME>.
  var msg = function (name, en) { return document.body.getAttribute('data-msg-' + name) || en; };
  // Copy buttons: <button data-copy="ID"> copies the text of element ID.
  document.querySelectorAll('button[data-copy]').forEach(function (btn) {
    var src = document.getElementById(btn.getAttribute('data-copy'));
    if (!src || !navigator.clipboard) return;
    btn.hidden = false;
    var note = btn.parentNode.querySelector('.copied');
    btn.addEventListener('click', function () {
      navigator.clipboard.writeText(src.textContent).then(function () {
        if (note) note.textContent = msg('copied', 'Copied.');
      }, function () {
        if (note) note.textContent = msg('copy-failed', 'Copying failed: select the text and copy it by hand.');
      });
    });
  });

  // A live page (<body data-refresh="N">, the overview) fetches itself every N seconds and
  // swaps in its new main content, keeping the focus, where a reload would move the focus to
  // the top and make a screen reader read the page again; a button pauses the updates.
  var every = parseInt(document.body.getAttribute('data-refresh'), 10);
  if (every > 0 && window.fetch && window.DOMParser) {
    var paused = false;
    var show = function () {
      var btn = document.querySelector('button[data-refresh-toggle]');
      if (!btn) return;
      btn.hidden = false;
      btn.setAttribute('aria-pressed', paused ? 'true' : 'false');
      btn.textContent = paused ? msg('resume', 'Resume updates') : msg('pause', 'Pause updates');
    };
    document.addEventListener('click', function (ev) {
      if (!ev.target.closest || !ev.target.closest('button[data-refresh-toggle]')) return;
      paused = !paused;
      show();
    });
    show();
    setInterval(function () {
      if (paused || document.hidden) return;
      fetch(location.href, {credentials: 'same-origin'}).then(function (r) {
        if (r.redirected || !r.ok) { location.reload(); return null; } // signed out: show the sign-in page
        return r.text();
      }).then(function (html) {
        if (html === null || paused) return;
        var next = new DOMParser().parseFromString(html, 'text/html').getElementById('main');
        var main = document.getElementById('main');
        if (!next || !main) return;
        var active = document.activeElement;
        var focused = active && active !== main && main.contains(active) ? active.id : '';
        main.replaceChildren.apply(main, Array.prototype.slice.call(next.childNodes).map(function (n) { return document.adoptNode(n); }));
        show();
        var again = focused && document.getElementById(focused);
        if (again) again.focus();
      }).catch(function () {});
    }, every * 1000);
  }
})();
