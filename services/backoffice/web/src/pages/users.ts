import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { Failure, Instant, timeHeader, useLoad } from '../components';
import { usePortal } from '../session';

interface User {
  username: string;
  role: string;
  createdAt: string;
  createdBy: string;
}

export function Users() {
  const { t, api } = usePortal();
  const [version, setVersion] = useState(0);
  const [result, setResult] = useState<{ ok: boolean; text: string }>();
  const users = useLoad(() => api<{ items: User[]; roles: string[] }>('/api/users'), [version]);
  const create = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    try {
      const created = await api<{ password: string }>('/api/users', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: form.get('username'), role: form.get('role') }),
      });
      setResult({ ok: true, text: t('created', { p: created.password }) });
      setVersion((v) => v + 1);
    } catch (e) {
      setResult({ ok: false, text: (e as Error).message });
    }
  };
  return html`<section aria-labelledby="us-title">
    <h1 id="us-title">${t('users')}</h1>
    <form class="inline" onSubmit=${create}>
      <label>${t('username')} <input name="username" required autocomplete="off" /></label>
      <label
        >${t('role')}
        <select name="role">
          ${(users.data?.roles ?? []).map((r) => html`<option value=${r}>${t(`role_${r}`)}</option>`)}
        </select>
      </label>
      <button type="submit" class="primary">${t('create')}</button>
    </form>
    <p aria-live="polite" class=${result ? (result.ok ? 'ok' : 'error') : undefined}>${result?.text ?? ''}</p>
    <${Failure} message=${users.error} />
    ${
      users.data
        ? html`<table id="users">
            <thead>
              <tr>
                <th scope="col">${t('username')}</th>
                <th scope="col">${t('role')}</th>
                <th scope="col">${timeHeader(t, 'when')}</th>
                <th scope="col">${t('createdBy')}</th>
              </tr>
            </thead>
            <tbody>
              ${users.data.items.map(
                (u) => html`<tr key=${u.username}>
                  <td>${u.username}</td>
                  <td>${t(`role_${u.role}`)}</td>
                  <td><${Instant} iso=${u.createdAt} /></td>
                  <td>${u.createdBy}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
        : null
    }
  </section>`;
}
