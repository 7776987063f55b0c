// pages/login.js -- the login form.  The server's message is shown as it
// comes (wrong password, throttled with the seconds to wait, ...).

import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { t } from '../i18n.js';
import { ErrorBox, html } from '../ui.js';

export function LoginPage({ onLogin }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);

  const submit = async (e) => {
    e.preventDefault();
    if (!username.trim() || !password) {
      setError({ message: t('login.required') });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const s = await api.sessionLogin(username.trim(), password);
      setPassword('');
      await onLogin(s);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return html`<section class="page login">
    <form class="card login-card" onSubmit=${submit} novalidate>
      <h1>${t('login.title')}</h1>
      <p class="muted">${t('login.hint')}</p>
      <label>
        <span>${t('login.username')}</span>
        <input
          name="username"
          autocomplete="username"
          autocapitalize="none"
          spellcheck="false"
          value=${username}
          onInput=${(e) => setUsername(e.currentTarget.value)}
        />
      </label>
      <label>
        <span>${t('login.password')}</span>
        <input
          name="password"
          type="password"
          autocomplete="current-password"
          value=${password}
          onInput=${(e) => setPassword(e.currentTarget.value)}
        />
      </label>
      <${ErrorBox} error=${error} />
      <button type="submit" class="primary" disabled=${busy}>
        ${busy ? t('login.submitting') : t('login.submit')}
      </button>
    </form>
  </section>`;
}
