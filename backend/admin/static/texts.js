/* Parley admin, connector texts: checks each text as it is typed with the rules the server
   saves with (read from the form's data-rules), offers a reset per text, and keeps the widget
   preview beside the form up to date. The form works without this script. */
(function () {
  'use strict';
  var form = document.getElementById('texts-form');
  if (!form) return;
  var rules;
  try { rules = JSON.parse(form.getAttribute('data-rules')); } catch (e) { return; }
  var pattern = new RegExp(rules.pattern, 'g');
  var cells = Array.prototype.slice.call(form.querySelectorAll('textarea[data-key]'));
  var status = document.getElementById('texts-status');
  var langSelect = document.getElementById('preview-lang');
  var widget = document.getElementById('mock-widget');
  // The page's language gives the script its words: <form data-msg-NAME>.
  var msg = function (name, en) { return form.getAttribute('data-msg-' + name) || en; };

  function cell(key, lang) {
    for (var i = 0; i < cells.length; i++) {
      if (cells[i].getAttribute('data-key') === key && cells[i].getAttribute('data-lang') === lang) return cells[i];
    }
    return null;
  }
  function value(key, lang) {
    var c = cell(key, lang);
    return c ? c.value.trim() : '';
  }
  function base(lang) { return lang.split('-')[0]; }

  // problems mirrors texts.CheckText: characters, length, unknown placeholders, missing ones.
  function problems(key, lang, text) {
    var rule = rules.keys[key], out = [];
    if (!rule || text.trim() === '') return out;
    if (text.indexOf('\u0000') >= 0) out.push(rules.messages.nul);
    else if (/[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/.test(text)) out.push(rules.messages.control);
    if (rule.single && /[\r\n]/.test(text)) out.push(rules.messages.linebreak);
    if (Array.from(text).length > rule.max) out.push(rule.tooLong);
    var found = text.match(pattern) || [], seen = [];
    found.forEach(function (p) {
      if (rule.allowed.indexOf(p) < 0 && seen.indexOf(p) < 0) {
        seen.push(p);
        out.push(rule.unknown.split('{p}').join(p));
      }
    });
    var required = rule.required[lang] || rule.required[''] || [];
    required.forEach(function (p) {
      if (found.indexOf(p) < 0) out.push(rules.messages.missing.split('{p}').join(p));
    });
    return out;
  }

  function check(c) {
    var list = problems(c.getAttribute('data-key'), c.getAttribute('data-lang'), c.value);
    var err = document.getElementById(c.id + '-err');
    err.textContent = list.join(' ');
    err.hidden = list.length === 0;
    c.closest('td').classList.toggle('invalid', list.length > 0);
    if (list.length) c.setAttribute('aria-invalid', 'true'); else c.removeAttribute('aria-invalid');
    var reset = c.parentNode.querySelector('button[data-reset]');
    if (reset) reset.hidden = c.value === '';
    return list.length === 0;
  }

  // fallback is what an empty cell shows: the text of every language, else the default.
  function fallback(key, lang) {
    var any = value(key, '');
    if (any) return any;
    if (key === 'title' && rules.title) return rules.title;
    var d = rules.keys[key].defaults;
    return d[lang] || d[base(lang)] || d.en;
  }
  function updatePlaceholders(key) {
    cells.forEach(function (c) {
      var lang = c.getAttribute('data-lang');
      if (c.getAttribute('data-key') === key && lang !== '') c.placeholder = fallback(key, lang);
    });
  }

  // resolve mirrors texts.Resolve for the preview, with the connector's title before the
  // defaults as the server does.
  function resolve(key, lang) {
    return value(key, lang) || value(key, base(lang)) || fallback(key, lang);
  }
  function preview() {
    if (!widget || !langSelect) return;
    var lang = langSelect.value;
    widget.setAttribute('lang', lang);
    widget.querySelectorAll('[data-preview]').forEach(function (el) {
      var text = resolve(el.getAttribute('data-preview'), lang);
      rules.keys[el.getAttribute('data-preview')].allowed.forEach(function (p) { text = text.split(p).join(rules.samples[p]); });
      el.textContent = text;
    });
  }

  var timer = 0;
  form.addEventListener('input', function (ev) {
    var c = ev.target;
    if (!c.matches || !c.matches('textarea[data-key]')) return;
    if (c.getAttribute('data-lang') === '') updatePlaceholders(c.getAttribute('data-key'));
    check(c);
    if (status) status.textContent = '';
    clearTimeout(timer);
    timer = setTimeout(preview, 80);
  });
  form.addEventListener('click', function (ev) {
    var btn = ev.target.closest && ev.target.closest('button[data-reset]');
    if (!btn) return;
    var c = document.getElementById(btn.getAttribute('data-reset'));
    c.value = '';
    c.dispatchEvent(new Event('input', {bubbles: true}));
    c.focus();
    if (status) status.textContent = msg('reset', 'Reset to the default. Save to keep the change.');
  });
  var addingLang = false;
  form.addEventListener('submit', function (ev) {
    if (ev.submitter && ev.submitter.name === 'action') return; // adding a language column
    if (addingLang) { ev.preventDefault(); return; } // the Enter that added it, sent again as a key press
    var bad = cells.filter(function (c) { return !check(c); });
    if (bad.length) {
      ev.preventDefault();
      if (status) status.textContent = bad.length === 1 ? msg('one-problem', 'One text has a problem; it is marked.') : msg('problems', '{0} texts have problems; they are marked.').split('{0}').join(String(bad.length));
      bad[0].focus();
    }
  });
  // Enter in the language code adds the column, as its button does, instead of saving.
  var newLang = document.getElementById('f-new_lang');
  var addLang = form.querySelector('button[name=action][value=add-lang]');
  if (newLang && addLang) {
    newLang.addEventListener('keydown', function (ev) {
      if (ev.key !== 'Enter') return;
      ev.preventDefault();
      addingLang = true;
      addLang.click();
    });
  }
  if (langSelect) langSelect.addEventListener('change', preview);
  cells.forEach(function (c) {
    var reset = c.parentNode.querySelector('button[data-reset]');
    if (reset) reset.hidden = c.value === '';
  });
  preview();
})();
