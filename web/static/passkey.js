/*
 * passkey.js: passkeys (WebAuthn) on vigil's pages, as a progressive
 * enhancement. The parts a page offers (data-passkey="login",
 * "second-factor", "step-up", "enrol" or "register") stay hidden unless
 * the browser has window.PublicKeyCredential; each runs one ceremony
 * against the JSON API:
 *   1. POST <api>/.../options      -> {ceremony, publicKey}
 *   2. navigator.credentials.create/get with publicKey
 *   3. POST <api>/...              {ceremony, [name,] credential}
 * then goes to the part's data-rd, or, when the answer carries recovery
 * codes (a first second factor), shows them once in #codes-panel.
 * Problems are said in the part's #passkey-error (role="alert"). Session
 * routes send the page's CSRF token (its hidden csrf_token field) as
 * X-CSRF-Token. No inline script or style (strict CSP).
 */
(function () {
  'use strict';

  // The routes of each ceremony, under data-api (/api/auth with the
  // route prefix); create says whether it registers a new passkey.
  var FLOWS = {
    'login': { options: '/passkey/options', finish: '/passkey/login', create: false },
    'second-factor': { options: '/login/passkey/options', finish: '/login/passkey', create: false },
    'step-up': { options: '/step-up/passkey/options', finish: '/step-up/passkey', create: false },
    'enrol': { options: '/login/enrol/passkey/options', finish: '/login/enrol/passkey', create: true },
    'register': { options: '/factors/passkeys/options', finish: '/factors/passkeys', create: true }
  };

  // The words for what the browser answers instead of a credential
  // (WebAuthn §5.1.3, §5.1.4: the DOMException names).
  var BROWSER_ERRORS = {
    create: {
      NotAllowedError: 'No passkey was made: it was cancelled, or it took too long. Try again when you are ready.',
      InvalidStateError: 'This device already has a passkey for your account. Use it, or choose another device or security key.'
    },
    get: {
      NotAllowedError: 'No passkey was used: it was cancelled, or this device has no passkey for this account. Try again, or use a code.'
    },
    any: {
      AbortError: 'The passkey request was cancelled. Try again when you are ready.',
      SecurityError: 'This browser does not allow passkeys on this address.',
      NotSupportedError: 'This device cannot make or use a passkey of the kind needed.'
    }
  };

  var GENERIC = 'The passkey did not work. Try again.';
  var OFFLINE = 'The server could not be reached. Check your connection and try again.';

  function supported() {
    return !!(window.PublicKeyCredential && navigator.credentials &&
      navigator.credentials.create && navigator.credentials.get && window.fetch);
  }

  // base64url <-> ArrayBuffer, for browsers without parse*FromJSON or
  // toJSON (WebAuthn Level 3 §5.1.8, §5.1.9).
  function fromB64url(s) {
    var b64 = s.replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4) { b64 += '='; }
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out.buffer;
  }

  function toB64url(buf) {
    if (!buf) { return undefined; }
    var bytes = new Uint8Array(buf);
    var bin = '';
    for (var i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function withIDs(list) {
    return (list || []).map(function (c) {
      var d = Object.assign({}, c);
      d.id = fromB64url(c.id);
      return d;
    });
  }

  function creationOptions(json) {
    if (PublicKeyCredential.parseCreationOptionsFromJSON) {
      return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    }
    var o = Object.assign({}, json);
    o.challenge = fromB64url(json.challenge);
    o.user = Object.assign({}, json.user, { id: fromB64url(json.user.id) });
    o.excludeCredentials = withIDs(json.excludeCredentials);
    return o;
  }

  function requestOptions(json) {
    if (PublicKeyCredential.parseRequestOptionsFromJSON) {
      return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    }
    var o = Object.assign({}, json);
    o.challenge = fromB64url(json.challenge);
    o.allowCredentials = withIDs(json.allowCredentials);
    return o;
  }

  function credentialJSON(cred) {
    if (typeof cred.toJSON === 'function') { return cred.toJSON(); }
    var r = cred.response;
    var response = { clientDataJSON: toB64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toB64url(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toB64url(r.authenticatorData);
      response.signature = toB64url(r.signature);
      response.userHandle = toB64url(r.userHandle);
    }
    return {
      id: cred.id, rawId: toB64url(cred.rawId), type: cred.type, response: response,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {}
    };
  }

  // apiError is a refusal of the server: its message for people, and its
  // stable code.
  function apiError(status, body) {
    var e = new Error((body && body.error) || GENERIC);
    e.code = (body && body.code) || '';
    e.status = status;
    return e;
  }

  function csrfToken() {
    var f = document.querySelector('input[type="hidden"][name="csrf_token"]');
    return f ? f.value : '';
  }

  function post(url, body) {
    var headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    var token = csrfToken();
    if (token) { headers['X-CSRF-Token'] = token; }
    return fetch(url, {
      method: 'POST', headers: headers, body: JSON.stringify(body || {}),
      credentials: 'same-origin', cache: 'no-store'
    }).then(function (res) {
      return res.json().catch(function () { return null; }).then(function (data) {
        if (!res.ok) { throw apiError(res.status, data); }
        return data || {};
      });
    }, function () {
      throw apiError(0, { error: OFFLINE, code: 'NETWORK' });
    });
  }

  // message is what to tell the user about err, from the browser or the
  // server.
  function message(err, create) {
    if (err && err.code !== undefined && err.status !== undefined) { return err.message; }
    var name = err && err.name;
    var words = (create ? BROWSER_ERRORS.create : BROWSER_ERRORS.get)[name] || BROWSER_ERRORS.any[name];
    return words || GENERIC;
  }

  // say puts text in the part's alert region (read out at once), or
  // clears it.
  function say(part, text) {
    var box = part.querySelector('.passkey-error');
    if (!box) { return; }
    box.textContent = '';
    box.classList.toggle('notice', !!text);
    box.classList.toggle('notice-error', !!text);
    if (text) {
      var p = document.createElement('p');
      p.textContent = text;
      box.appendChild(p);
    }
  }

  // showCodes shows the recovery codes once, in place of the rest of the
  // page, with the focus on the panel's heading.
  function showCodes(codes, rd) {
    var panel = document.getElementById('codes-panel');
    var list = document.getElementById('recovery-codes');
    if (!panel || !list) { location.assign(rd); return; }
    list.textContent = '';
    codes.forEach(function (c) {
      var li = document.createElement('li');
      var code = document.createElement('code');
      code.textContent = c;
      li.appendChild(code);
      list.appendChild(li);
    });
    var main = panel.parentNode;
    for (var i = 0; i < main.children.length; i++) {
      if (main.children[i] !== panel) { main.children[i].hidden = true; }
    }
    main.insertBefore(panel, main.firstChild); // the page's first heading now
    var next = document.getElementById('mfa-continue');
    if (next) { next.setAttribute('href', rd); }
    panel.hidden = false;
    var title = document.getElementById('codes-title');
    if (title) { title.focus(); }
    window.scrollTo(0, 0);
  }

  function run(part, button) {
    var flow = FLOWS[part.getAttribute('data-passkey')];
    var api = part.getAttribute('data-api') || '/api/auth';
    var rd = part.getAttribute('data-rd') || '/auth/account';
    var nameField = part.querySelector('input[name="name"]');
    var ceremony = '';
    say(part, '');
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    post(api + flow.options).then(function (opts) {
      ceremony = opts.ceremony;
      return flow.create ?
        navigator.credentials.create({ publicKey: creationOptions(opts.publicKey) }) :
        navigator.credentials.get({ publicKey: requestOptions(opts.publicKey) });
    }).then(function (cred) {
      if (!cred) { throw new DOMException('no credential', 'NotAllowedError'); }
      var body = { ceremony: ceremony, credential: credentialJSON(cred) };
      if (flow.create) { body.name = nameField ? nameField.value.trim() : ''; }
      return post(api + flow.finish, body);
    }).then(function (done) {
      if (done.recovery_codes && done.recovery_codes.length) {
        showCodes(done.recovery_codes, rd);
        return;
      }
      location.assign(rd);
    }).catch(function (err) {
      button.disabled = false;
      button.removeAttribute('aria-busy');
      if (err && err.code === 'REAUTH_REQUIRED' && part.getAttribute('data-reauth')) {
        location.assign(part.getAttribute('data-reauth'));
        return;
      }
      if (err && err.code === 'STEP_UP_REQUIRED' && part.getAttribute('data-stepup')) {
        location.assign(part.getAttribute('data-stepup'));
        return;
      }
      say(part, message(err, flow.create));
      button.focus(); // disabled, it lost the focus: give it back for another try
    });
  }

  function start() {
    if (!supported()) { return; }
    var parts = document.querySelectorAll('[data-passkey]');
    for (var i = 0; i < parts.length; i++) {
      var part = parts[i];
      if (!FLOWS[part.getAttribute('data-passkey')]) { continue; }
      part.hidden = false;
      if (part.tagName === 'FORM') {
        part.addEventListener('submit', function (e) {
          e.preventDefault();
          run(e.currentTarget, e.currentTarget.querySelector('button[type="submit"]'));
        });
      } else {
        var button = part.querySelector('button');
        if (button) { button.addEventListener('click', run.bind(null, part, button)); }
      }
    }
    var hint = document.getElementById('passkey-unsupported');
    if (hint) { hint.hidden = true; }
    // A user without an authenticator app uses the passkey first (the
    // code field then takes recovery codes only).
    var use = document.getElementById('passkey-use');
    if (use && document.querySelector('[data-passkey-first]') && !document.querySelector('[aria-invalid="true"]')) {
      use.focus();
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
