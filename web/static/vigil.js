/*!
 * vigil.js: the idle-timeout warning, for vigil's pages and any app page
 * served behind vigil (same origin).
 *
 * Usage:
 *   <script src="/auth/static/vigil.js" defer></script>
 *
 * Under --route-prefix /p, the script is /p/auth/static/vigil.js and every
 * default below starts with /p.
 *
 * Options, all optional, as data- attributes of that script tag:
 *   data-session="/api/auth/session"          read the time left (never counts as activity)
 *   data-refresh="/api/auth/session/refresh"  "Stay signed in" (counts as activity)
 *   data-logout="/api/auth/logout"            "Sign out"
 *   data-login="/auth/login"                  the sign-in page
 *   data-poll="30"                            seconds between reads while far from any deadline
 *   data-css="/auth/static/vigil.css"         stylesheet added if the page links none; "none": add nothing
 *   data-sync-forms="true"                    keep hidden csrf_token fields of same-origin forms current
 *
 * What it does:
 *  - reads GET /api/auth/session on load, every ~30 s, when the tab becomes
 *    visible or focused again and when another tab says something happened; that read
 *    is never activity, so an unattended screen still times out;
 *  - works out the time left from idle_expires_at / expires_at, corrected
 *    by server_time for a wrong client clock, and sets its timers from those
 *    deadlines (it reads again just before warning, so activity in another
 *    tab or app request is seen);
 *  - idle_warning_seconds before the idle timeout it opens a modal
 *    role="alertdialog" (#vigil-idle-dialog) with a live countdown, focus
 *    on "Stay signed in" (#vigil-stay), and "Sign out" (#vigil-signout);
 *    Escape means stay signed in; a polite live region (#vigil-live)
 *    announces the time left at most every 10 s (WCAG 2.2.1, 4.1.3);
 *  - "Stay signed in" posts /api/auth/session/refresh with X-CSRF-Token;
 *    "Sign out" posts /api/auth/logout and goes to /auth/login?reason=logout;
 *  - before the absolute lifetime ends, the same dialog says the session
 *    cannot be extended and offers "Sign in again now" (#vigil-signin-again)
 *    or "Not now" (#vigil-dismiss);
 *  - tabs keep in step over BroadcastChannel("vigil-session"): staying
 *    signed in closes the dialog in every tab, signing out signs out every
 *    tab, and each tab re-reads the session on any message (the server
 *    decides: a message alone never ends a session);
 *  - when the session has ended (a 401 from the API) it goes to
 *    /auth/login?reason=<reason, default inactivity>&rd=<this page>.
 * It builds its own DOM (no dependence on the page's markup), uses no
 * inline script or style, and exposes window.vigilIdle = {read, stay,
 * signOut, state} for tests and apps.
 */
(function () {
  'use strict';
  if (window.vigilIdle || !window.fetch) { return; }

  var script = document.currentScript;
  var data = (script && script.dataset) || {};
  // vigil's routes are wherever this script is served from: under
  // --route-prefix, <prefix>/auth/static/vigil.js.
  var base = '';
  if (script && script.src) {
    var m = /^(.*)\/auth\/static\/vigil\.js$/.exec(new URL(script.src, location.href).pathname);
    if (m) { base = m[1]; }
  }
  var cfg = {
    session: data.session || base + '/api/auth/session',
    refresh: data.refresh || base + '/api/auth/session/refresh',
    logout: data.logout || base + '/api/auth/logout',
    login: data.login || base + '/auth/login',
    poll: seconds(data.poll, 30) * 1000,
    css: data.css === undefined ? base + '/auth/static/vigil.css' : data.css,
    syncForms: data.syncForms !== 'false'
  };
  var NEAR = 5000;       // ms: read at least this often while the dialog is open
  var RETRY = 5000;      // ms: after a failed read
  var LIFE_SLACK = 1000; // ms: the idle deadline is the lifetime's when this close to it

  var st = {
    csrf: '', known: false, ending: false, busy: false,
    idleEnd: 0, lifeEnd: 0, lifeKey: '', warnMs: 120000,
    mode: '', dismissed: '', spoken: -1, timer: 0, tick: 0,
    inflight: null, again: false, returnFocus: null,
    hint: '' // why another tab says the session ended, used if the server agrees it has
  };
  var ui = null;
  var channel = null;

  function seconds(v, def) {
    var n = parseFloat(v);
    return n > 0 ? n : def;
  }

  // ---------- reading the session ----------

  function read() {
    if (st.ending) { return Promise.resolve(); }
    if (st.inflight) { st.again = true; return st.inflight; }
    var t0 = Date.now();
    st.inflight = fetch(cfg.session, {
      credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' }
    }).then(function (res) {
      var mid = (t0 + Date.now()) / 2;
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (res.ok) { apply(body, mid); } else if (res.status === 401) { ended(body); } else { later(RETRY); }
      });
    }, function () { later(RETRY); }).then(done, done);
    return st.inflight;

    function done() {
      st.inflight = null;
      if (st.again) { st.again = false; read(); }
    }
  }

  function apply(body, mid) {
    var s = body.session || {};
    var server = Date.parse(body.server_time);
    var skew = isNaN(server) ? 0 : server - mid; // server clock minus this clock
    var idle = Date.parse(s.idle_expires_at), life = Date.parse(s.expires_at);
    if (isNaN(idle) || isNaN(life)) { later(RETRY); return; }
    st.idleEnd = idle - skew;
    st.lifeEnd = life - skew;
    st.lifeKey = s.expires_at;
    if (typeof body.idle_warning_seconds === 'number' && body.idle_warning_seconds >= 0) {
      st.warnMs = body.idle_warning_seconds * 1000;
    }
    if (body.csrf_token) {
      st.csrf = body.csrf_token;
      syncForms();
    }
    var first = !st.known;
    st.known = true;
    plan();
    if (first) { say('hello'); } // opening a page is activity: let the other tabs re-read
  }

  // plan shows or hides the dialog for the time left and sets the one timer
  // that reads the session next: at the warning, at the deadline, or at the
  // regular poll, whichever comes first.
  function plan() {
    clearTimeout(st.timer);
    if (st.ending || !st.known) { return; }
    var lifeFirst = st.lifeEnd - st.idleEnd < LIFE_SLACK;
    var end = lifeFirst ? st.lifeEnd : st.idleEnd;
    var left = end - Date.now();
    var next;
    if (left <= 0) {
      // Past the deadline by this clock, but the server still said live:
      // it decides, so ask again shortly.
      open(lifeFirst ? 'lifetime' : 'idle');
      next = 1000;
    } else if (left <= st.warnMs) {
      if (lifeFirst && st.dismissed === st.lifeKey) { close(); } else { open(lifeFirst ? 'lifetime' : 'idle'); }
      next = Math.min(left + 300, NEAR);
    } else {
      close();
      next = Math.min(left - st.warnMs, cfg.poll);
    }
    later(next);
  }

  function later(ms) {
    clearTimeout(st.timer);
    if (!st.ending) { st.timer = setTimeout(read, Math.max(ms, 50)); }
  }

  // ended handles a 401: the session is over, so go to the sign-in page
  // and say why. A page that never had a session has nothing to warn about.
  function ended(body) {
    var reason = (body && body.reason) || st.hint;
    if (!st.known && !reason) { return; }
    reason = reason || 'inactivity';
    leave(reason, reason !== 'logout');
  }

  function leave(reason, back) {
    if (st.ending) { return; }
    st.ending = true;
    clearTimeout(st.timer);
    clearInterval(st.tick);
    if (location.pathname === cfg.login) { return; }
    var q = [];
    if (reason) { q.push('reason=' + encodeURIComponent(reason)); }
    if (back) { q.push('rd=' + encodeURIComponent(location.pathname + location.search)); }
    location.assign(cfg.login + (q.length ? '?' + q.join('&') : ''));
  }

  // ---------- actions ----------

  function post(url) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin', cache: 'no-store',
      headers: { 'X-CSRF-Token': st.csrf, Accept: 'application/json' }
    });
  }

  function stay(retried) {
    if (st.busy && !retried) { return Promise.resolve(); }
    st.busy = true;
    return post(cfg.refresh).then(function (res) {
      if (res.ok) {
        say('refresh');
        close();
        return read();
      }
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (res.status === 401) { ended(body); return; }
        if (res.status === 403 && !retried) {
          // The CSRF token changed (signed in again in another tab): re-read, try once more.
          return read().then(function () { return stay(true); });
        }
        problem('You could not be kept signed in. Please try again.');
      });
    }, function () {
      problem('The server could not be reached. Check your connection and try again.');
    }).then(function () { st.busy = false; });
  }

  function signOut() {
    if (st.busy) { return; }
    st.busy = true;
    post(cfg.logout).then(function () {
      say('ended', 'logout');
      leave('logout', false);
    }, function () {
      st.busy = false;
      problem('The server could not be reached. Check your connection and try again.');
    });
  }

  function signInAgain() {
    if (st.busy) { return; }
    st.busy = true;
    post(cfg.logout).then(function () {
      say('ended', 'logout');
      leave('', true);
    }, function () {
      st.busy = false;
      problem('The server could not be reached. Check your connection and try again.');
    });
  }

  function dismiss() {
    st.dismissed = st.lifeKey;
    close();
    plan();
  }

  function escape() {
    if (st.mode === 'lifetime') { dismiss(); } else { stay(); }
  }

  // ---------- other tabs ----------

  // Messages: {type: 'hello'} a page opened (activity), {type: 'refresh'}
  // "Stay signed in" was chosen, {type: 'ended', reason} a tab signed out or
  // reached the sign-in page because the session ended. Every message makes
  // the other tabs read the session: the server decides, a message never
  // ends a session by itself.
  function say(type, reason) {
    if (!channel) { return; }
    try { channel.postMessage({ type: type, reason: reason || '', at: Date.now() }); } catch (e) { /* closed */ }
  }

  function heard(ev) {
    var m = ev.data || {};
    if (m.type === 'ended' && typeof m.reason === 'string' && /^[a-z_]{0,32}$/.test(m.reason)) { st.hint = m.reason; }
    if (m.type === 'refresh' && st.mode === 'idle') { close(); }
    read();
  }

  // syncForms keeps the hidden csrf_token fields of this origin's forms in
  // step with the session (its token changes when the user signs in again).
  function syncForms() {
    if (!cfg.syncForms) { return; }
    var inputs = document.querySelectorAll('form input[type="hidden"][name="csrf_token"]');
    for (var i = 0; i < inputs.length; i++) {
      var form = inputs[i].form;
      var target;
      try { target = new URL(form.action, location.href); } catch (e) { continue; }
      if (target.origin === location.origin && inputs[i].value !== st.csrf) { inputs[i].value = st.csrf; }
    }
  }

  // ---------- the dialog ----------

  var TEXT = {
    idle: {
      title: 'Are you still there?',
      before: 'For your security you will be signed out in ',
      after: ' because of inactivity. Choose “Stay signed in” to carry on.',
      spoken: function (t) { return 'You will be signed out in ' + t + ' because of inactivity.'; }
    },
    lifetime: {
      title: 'Your session is about to end',
      before: 'Your session ends in ',
      after: '. Sessions last a fixed time and this one cannot be extended. Sign in again now to carry on without interruption.',
      spoken: function (t) { return 'Your session ends in ' + t + ' and cannot be extended.'; }
    }
  };

  function el(tag, props, text) {
    var e = document.createElement(tag);
    for (var k in props) {
      if (Object.prototype.hasOwnProperty.call(props, k)) { e.setAttribute(k, props[k]); }
    }
    if (text) { e.textContent = text; }
    return e;
  }

  function button(id, label, primary, onClick) {
    var b = el('button', { id: id, type: 'button', 'class': 'vigil-button' + (primary ? ' vigil-primary' : '') }, label);
    b.addEventListener('click', function () { onClick(); });
    return b;
  }

  function build() {
    if (ui) { return ui; }
    addStylesheet();
    var native = typeof HTMLDialogElement === 'function';
    var d = el(native ? 'dialog' : 'div', {
      id: 'vigil-idle-dialog', 'class': 'vigil-dialog', role: 'alertdialog', 'aria-modal': 'true',
      'aria-labelledby': 'vigil-idle-title', 'aria-describedby': 'vigil-idle-desc'
    });
    if (!native) { d.hidden = true; }
    var title = el('h2', { id: 'vigil-idle-title' });
    var desc = el('p', { id: 'vigil-idle-desc' });
    var before = document.createTextNode('');
    var count = el('span', { id: 'vigil-countdown', 'class': 'vigil-countdown' });
    var after = document.createTextNode('');
    desc.appendChild(before);
    desc.appendChild(count);
    desc.appendChild(after);
    var live = el('p', { id: 'vigil-live', 'class': 'vigil-sr', 'aria-live': 'polite', 'aria-atomic': 'true' });
    var err = el('p', { id: 'vigil-idle-error', 'class': 'vigil-error', role: 'alert' });
    err.hidden = true;
    var actions = el('div', { 'class': 'vigil-actions' });
    var stayBtn = button('vigil-stay', 'Stay signed in', true, function () { stay(); });
    var againBtn = button('vigil-signin-again', 'Sign in again now', true, signInAgain);
    var laterBtn = button('vigil-dismiss', 'Not now', false, dismiss);
    var outBtn = button('vigil-signout', 'Sign out', false, signOut);
    actions.appendChild(stayBtn);
    actions.appendChild(againBtn);
    actions.appendChild(laterBtn);
    actions.appendChild(outBtn);
    d.appendChild(title);
    d.appendChild(desc);
    d.appendChild(err);
    d.appendChild(actions);
    d.appendChild(live);
    d.addEventListener('cancel', function (e) { e.preventDefault(); escape(); }); // Escape on a native dialog
    d.addEventListener('keydown', function (e) {
      if (e.key === 'Escape' || e.key === 'Esc') {
        e.preventDefault();
        escape();
      } else if (e.key === 'Tab' && !native) {
        trapTab(e, d);
      }
    });
    document.body.appendChild(d);
    ui = {
      dialog: d, native: native, title: title, before: before, count: count, after: after, live: live,
      err: err, stay: stayBtn, again: againBtn, later: laterBtn, out: outBtn
    };
    return ui;
  }

  function trapTab(e, d) {
    var f = d.querySelectorAll('button:not([hidden])');
    if (!f.length) { return; }
    var first = f[0], last = f[f.length - 1];
    if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
  }

  function addStylesheet() {
    if (!cfg.css || cfg.css === 'none') { return; }
    var links = document.querySelectorAll('link[rel~="stylesheet"]');
    var want = new URL(cfg.css, location.href).href;
    for (var i = 0; i < links.length; i++) {
      if (links[i].href === want) { return; }
    }
    document.head.appendChild(el('link', { rel: 'stylesheet', href: cfg.css }));
  }

  function isOpen() {
    return !!ui && (ui.native ? ui.dialog.open : !ui.dialog.hidden);
  }

  function open(mode) {
    var u = build();
    var t = TEXT[mode];
    var changed = st.mode !== mode;
    st.mode = mode;
    if (changed) {
      u.title.textContent = t.title;
      u.before.textContent = t.before;
      u.after.textContent = t.after;
      u.stay.hidden = mode !== 'idle';
      u.again.hidden = mode !== 'lifetime';
      u.later.hidden = mode !== 'lifetime';
      u.err.hidden = true;
      st.spoken = -1;
    }
    if (!isOpen()) {
      st.returnFocus = document.activeElement;
      if (u.native) {
        u.dialog.showModal();
      } else {
        u.dialog.hidden = false;
        u.dialog.setAttribute('open', '');
      }
      changed = true;
      clearInterval(st.tick);
      st.tick = setInterval(countdown, 1000);
    }
    countdown();
    if (changed) { (mode === 'idle' ? u.stay : u.again).focus(); }
  }

  function close() {
    clearInterval(st.tick);
    if (!isOpen()) { st.mode = ''; return; }
    if (ui.native) {
      ui.dialog.close();
    } else {
      ui.dialog.hidden = true;
      ui.dialog.removeAttribute('open');
    }
    st.mode = '';
    ui.err.hidden = true;
    ui.live.textContent = '';
    var back = st.returnFocus;
    st.returnFocus = null;
    if (back && back.focus && document.contains(back)) { back.focus(); }
  }

  function problem(msg) {
    if (!ui) { return; }
    ui.err.textContent = msg;
    ui.err.hidden = false;
  }

  function countdown() {
    if (!ui || !st.mode) { return; }
    var end = st.mode === 'lifetime' ? st.lifeEnd : st.idleEnd;
    var secs = Math.max(0, Math.ceil((end - Date.now()) / 1000));
    ui.count.textContent = Math.floor(secs / 60) + ':' + (secs % 60 < 10 ? '0' : '') + (secs % 60);
    // Screen readers hear the time left when the dialog opens, then every
    // 30 s, and every 10 s in the last minute: never every second.
    var step = secs > 60 ? 30 : 10;
    var bucket = Math.ceil(secs / step);
    if (bucket !== st.spoken) {
      st.spoken = bucket;
      ui.live.textContent = TEXT[st.mode].spoken(words(secs));
    }
  }

  function words(secs) {
    if (secs > 60) {
      var m = Math.ceil(secs / 60);
      return m + ' minutes';
    }
    return secs === 1 ? '1 second' : secs + ' seconds';
  }

  // ---------- start ----------

  function start() {
    if (window.BroadcastChannel) {
      channel = new BroadcastChannel('vigil-session');
      channel.onmessage = heard;
    }
    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'visible') { read(); }
    });
    window.addEventListener('focus', function () { read(); });
    window.addEventListener('pageshow', function (e) { if (e.persisted) { read(); } });
    window.addEventListener('online', function () { read(); });
    read();
  }

  window.vigilIdle = Object.freeze({
    read: read,
    stay: function () { return stay(); },
    signOut: signOut,
    state: function () {
      return {
        known: st.known, mode: st.mode, open: isOpen(),
        idleLeftMs: st.idleEnd - Date.now(), lifeLeftMs: st.lifeEnd - Date.now(), warnMs: st.warnMs
      };
    }
  });

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
