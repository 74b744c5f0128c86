// The login page: offers the hospital's identity provider when there is one, and posts the user name and password
// to the node's form login (j_security_check), which sets the session cookie, then opens the series page. Wrong credentials and locked-out names get the same answer (401).
'use strict';

// the hospital's identity provider, when the node has one (GET /api/login/options is public)
fetch('/api/login/options').then(r => r.ok ? r.json() : {}).then(o => {
  document.getElementById('oidc').hidden = !o.openIdConnect;
}).catch(() => {});

document.getElementById('login').onsubmit = async (ev) => {
  ev.preventDefault();
  const error = document.getElementById('error');
  error.hidden = true;
  const body = new URLSearchParams({
    j_username: document.getElementById('username').value,
    j_password: document.getElementById('password').value
  });
  try {
    const r = await fetch('/j_security_check', {method: 'POST', body: body, credentials: 'same-origin'});
    if (r.ok) {
      location.replace('/');
      return;
    }
    error.textContent = r.status === 401 ? 'Wrong user name or password (or too many attempts: wait a minute).'
        : 'Sign-in failed: ' + r.status + ' ' + r.statusText;
  } catch (e) {
    error.textContent = 'Cannot reach the node: ' + e.message;
  }
  error.hidden = false;
  document.getElementById('password').select();
};
