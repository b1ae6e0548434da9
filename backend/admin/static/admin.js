/* Parley admin: progressive enhancements only; every page works without this script. */
(function () {
  'use strict';
  // Copy buttons: <button data-copy="ID"> copies the text of element ID.
  document.querySelectorAll('button[data-copy]').forEach(function (btn) {
    var src = document.getElementById(btn.getAttribute('data-copy'));
    if (!src || !navigator.clipboard) return;
    btn.hidden = false;
    var note = btn.parentNode.querySelector('.copied');
    btn.addEventListener('click', function () {
      navigator.clipboard.writeText(src.textContent).then(function () {
        if (note) note.textContent = 'Copied.';
      }, function () {
        if (note) note.textContent = 'Copying failed: select the text and copy it by hand.';
      });
    });
  });
})();
