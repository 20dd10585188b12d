/*
 * pages.js: small enhancements of vigil's own pages. Every page works
 * without it; with it:
 *  - times are shown in the reader's own time zone, and the audit filter's
 *    dates and times are read in it too (sent with its UTC offset);
 *  - the new-password fields get an advisory strength meter (the server's
 *    policy decides; this only helps choose);
 *  - a form's error summary takes the focus (so it is read out), and its
 *    links put the focus in the field they name;
 *  - the reset page posts the token from the link's #fragment to the
 *    server (never in an address), after removing it from the address
 *    bar; the page then comes back naming the account;
 *  - the one-time reset link shown to administrators can be copied;
 *  - the sign-in page, reached because a session ended, tells the idle
 *    warning (vigil.js) in the other tabs, so they follow at once.
 * No inline script or style is used anywhere (strict CSP).
 */
(function () {
  'use strict';

  function localTimes() {
    if (!window.Intl || !Intl.DateTimeFormat) { return; }
    var fmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
    var els = document.querySelectorAll('time[data-local]');
    for (var i = 0; i < els.length; i++) {
      var d = new Date(els[i].getAttribute('datetime'));
      if (!isNaN(d.getTime())) {
        els[i].title = els[i].textContent;
        els[i].textContent = fmt.format(d);
      }
    }
  }

  // offset is the UTC offset of local time at d, as "+01:00".
  function offset(d) {
    var m = -d.getTimezoneOffset();
    var a = Math.abs(m);
    return (m < 0 ? '-' : '+') + ('0' + Math.floor(a / 60)).slice(-2) + ':' + ('0' + (a % 60)).slice(-2);
  }

  // localStamp is d's local date and time as 2026-11-28T09:30[:05].
  function localStamp(d, seconds) {
    var p = function (n) { return ('0' + n).slice(-2); };
    return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + 'T' +
      p(d.getHours()) + ':' + p(d.getMinutes()) + (seconds ? ':' + p(d.getSeconds()) : '');
  }

  // localFilter makes the audit filter's dates and times local: the
  // table shows local times, so "From 09:30" means 09:30 here. On submit a
  // date or date-time without a zone gets the local offset of that moment
  // (an "until" date means the end of that local day); durations and
  // values with a zone go as typed. Without this script the server reads
  // them as UTC, as the hint then says.
  function localFilter() {
    var form = document.getElementById('audit-filter-form');
    if (!form) { return; }
    var hint = document.getElementById('audit-time-hint');
    if (hint) {
      hint.textContent = 'Times are your local time (UTC' + offset(new Date()) +
        '): a date, a date and time (2026-11-28T09:30), or a duration back from now (30m, 2h, 168h).';
    }
    // A value this script sent with its offset comes back in the field
    // (and in the paging links) as sent; show it in local time again, as
    // typed, so that the form reads as the table does.
    var ids = ['audit-since', 'audit-until'];
    for (var j = 0; j < ids.length; j++) {
      var f = document.getElementById(ids[j]);
      var v = f ? f.value.trim() : '';
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})$/.test(v)) { continue; }
      var t = new Date(v);
      if (isNaN(t.getTime())) { continue; }
      f.value = localStamp(t, t.getSeconds() !== 0);
    }
    form.addEventListener('submit', function () {
      var fields = [['audit-since', false], ['audit-until', true]];
      for (var i = 0; i < fields.length; i++) {
        var el = document.getElementById(fields[i][0]);
        if (!el) { continue; }
        var m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(el.value.trim());
        if (!m) { continue; }
        var d = new Date(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0), +(m[6] || 0));
        if (fields[i][1] && m[4] === undefined) { d = new Date(+m[1], +m[2] - 1, +m[3] + 1); }
        if (isNaN(d.getTime())) { continue; }
        el.value = localStamp(d, true) + offset(d);
      }
    });
  }

  // A few of the very commonest passwords, so the meter does not praise
  // them; the server checks a list of 30,000.
  var COMMON = ['password', 'passw0rd', '123456', '12345678', '123456789', 'qwerty', 'letmein',
    'welcome', 'iloveyou', 'admin', 'monkey', 'dragon', 'football', 'baseball', 'sunshine',
    'princess', 'trustno1', 'abc123', 'qwertyuiop', '1q2w3e4r', 'changeme', 'secret'];

  function repeatedOrSequence(pw) {
    var s = pw.toLowerCase();
    if (/^(.+?)\1+$/.test(s)) { return true; } // one character or a short pattern repeated
    var up = 0, down = 0;
    for (var i = 1; i < s.length; i++) {
      var d = s.charCodeAt(i) - s.charCodeAt(i - 1);
      if (d === 1) { up++; } else if (d === -1) { down++; }
    }
    return s.length > 3 && (up === s.length - 1 || down === s.length - 1);
  }

  // strength scores a password 0..4 with the policy's simple rules plus
  // length; it is advice, never a gate.
  function strength(pw, minLength, username) {
    var len = Array.from(pw).length;
    if (len === 0) { return { score: 0, text: '' }; }
    var lower = pw.toLowerCase();
    if (len < minLength) {
      return { score: 1, text: 'Too short: ' + len + ' of at least ' + minLength + ' characters.' };
    }
    if (username && username.length >= 3 && lower.indexOf(username.toLowerCase()) >= 0) {
      return { score: 1, text: 'Weak: it contains your username.' };
    }
    var stripped = lower.replace(/^[\d\W_]+|[\d\W_]+$/g, '');
    if (COMMON.indexOf(lower) >= 0 || COMMON.indexOf(stripped) >= 0) {
      return { score: 1, text: 'Weak: it is a very common password.' };
    }
    if (repeatedOrSequence(pw)) {
      return { score: 1, text: 'Weak: a repeated pattern or a simple sequence.' };
    }
    var unique = new Set(Array.from(lower)).size;
    var score = 2;
    if (len >= minLength + 5 && unique >= 8) { score = 3; }
    if (len >= minLength + 10 && unique >= 10) { score = 4; }
    var words = ['', '', 'Fair: long enough. Longer is stronger; a few unrelated words work well.',
      'Good.', 'Strong.'];
    return { score: score, text: words[score] };
  }

  function strengthMeter() {
    var input = document.getElementById('new-password');
    var box = document.getElementById('strength');
    var bar = document.getElementById('strength-bar');
    var label = document.getElementById('strength-label');
    if (!input || !box || !bar || !label) { return; }
    var minLength = parseInt(input.getAttribute('data-min-length'), 10) || 15;
    var username = input.getAttribute('data-username') || '';
    var timer = 0;
    box.hidden = false;
    function update() {
      var r = strength(input.value, minLength, username);
      bar.setAttribute('data-score', String(r.score));
      label.textContent = r.text;
    }
    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(update, 250); // do not chatter to screen readers on every key
    });
  }

  // The reset link's #token= goes to the server in a POST body, never in
  // an address (no access log, no Referer). The server keeps it in a
  // cookie only /auth/reset receives and sends the browser back there: the
  // form for the account it names, or the page saying it cannot be used.
  function resetToken() {
    if (!document.getElementById('reset-title')) { return; }
    var m = /(?:^#|&)token=([^&]+)/.exec(location.hash || '');
    if (!m) { return; }
    var token = '';
    try { token = decodeURIComponent(m[1]); } catch (e) { return; }
    // Drop the token from the address bar and the history entry.
    if (history.replaceState) { history.replaceState(null, '', location.pathname + location.search); }
    var form = document.getElementById('reset-form');
    if (form) { form.hidden = true; } // until the page for the account comes
    var open = document.createElement('form');
    open.method = 'post';
    open.action = location.pathname;
    open.hidden = true;
    var field = document.createElement('input');
    field.type = 'hidden';
    field.name = 'token';
    field.value = token;
    open.appendChild(field);
    document.body.appendChild(open);
    open.submit();
  }

  // A form's error summary takes the focus when the page opens, so that a
  // screen reader reads it out; a link in it puts the focus in its field,
  // with the field's label in view.
  function errorSummary() {
    var box = document.querySelector('[data-error-summary]');
    if (!box) { return; }
    if (document.activeElement !== box) { box.focus(); }
    box.addEventListener('click', function (e) {
      var a = e.target.closest ? e.target.closest('a[href^="#"]') : null;
      var field = a ? document.getElementById(a.getAttribute('href').slice(1)) : null;
      if (!field) { return; }
      e.preventDefault();
      var label = document.querySelector('label[for="' + field.id + '"]');
      (label || field).scrollIntoView();
      field.focus({ preventScroll: true });
    });
  }

  function copyLink() {
    var btn = document.getElementById('copy-reset-link');
    var input = document.getElementById('reset-link');
    var status = document.getElementById('copy-status');
    if (!input) { return; }
    input.addEventListener('focus', function () { input.select(); });
    if (!btn || !navigator.clipboard) { return; }
    btn.hidden = false;
    btn.addEventListener('click', function () {
      navigator.clipboard.writeText(input.value).then(function () {
        if (status) { status.textContent = 'Link copied.'; }
      }, function () {
        input.select();
        if (status) { status.textContent = 'Press Ctrl+C (or Cmd+C) to copy the selected link.'; }
      });
    });
  }

  // On the sign-in page after a session ended (?reason=...), tell vigil.js
  // in the other tabs, which then check the session with the server and,
  // if it is gone, come here too with the same reason.
  function announceEnd() {
    if (!window.BroadcastChannel || !document.getElementById('login-form')) { return; }
    var m = /[?&]reason=([a-z_]{1,32})(?:&|$)/.exec(location.search);
    if (!m) { return; }
    var ch = new BroadcastChannel('vigil-session');
    ch.postMessage({ type: 'ended', reason: m[1], at: Date.now() });
    ch.close();
  }

  function start() {
    announceEnd();
    localTimes();
    localFilter();
    strengthMeter();
    errorSummary();
    resetToken();
    // A link opened on this very page changes only the fragment: no new load.
    window.addEventListener('hashchange', resetToken);
    copyLink();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
