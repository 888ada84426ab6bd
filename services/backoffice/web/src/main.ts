// The back-office portal: Preact + htm (no JSX, so no compile step beyond esbuild's bundle), hash
// routes, every datum from /api with the signed-in user's token. What a user may see and do comes
// from GET /api/auth/me (`permissions`), never from a copy of the role rules.
import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { type Lang, translate } from './i18n';
import { Audit } from './pages/audit';
import { Dashboard } from './pages/dashboard';
import { DeadLetters } from './pages/deadLetters';
import { Exceptions } from './pages/exceptions';
import { OrderDetail, Orders } from './pages/orders';
import { Statistics } from './pages/statistics';
import { Users } from './pages/users';
import {
  ApiError,
  callApi,
  type Me,
  Portal,
  type PortalContext,
  storedToken,
  storeToken,
  translator,
} from './session';

/** The pages, each shown when the API lets the user call the route it reads. */
const pages = [
  { route: 'dashboard', key: 'dashboard', needs: 'GET /api/orders' },
  { route: 'orders', key: 'orders', needs: 'GET /api/orders' },
  { route: 'exceptions', key: 'exceptions', needs: 'GET /api/exceptions' },
  { route: 'stats', key: 'statistics', needs: 'GET /api/stats' },
  { route: 'audit', key: 'audit', needs: 'GET /api/audit' },
  { route: 'dead-letters', key: 'deadLetters', needs: 'GET /api/dead-letters' },
  { route: 'users', key: 'users', needs: 'GET /api/users' },
] as const;

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onChange = () => setHash(location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

function useLang(): [Lang, (lang: Lang) => void] {
  const [lang, setLang] = useState<Lang>(localStorage.getItem('mtd.lang') === 'en' ? 'en' : 'es');
  useEffect(() => {
    localStorage.setItem('mtd.lang', lang);
    document.documentElement.lang = lang === 'es' ? 'es-CL' : 'en';
    document.title = `MTD · ${translate(lang, 'backOffice')}`;
  }, [lang]);
  return [lang, setLang];
}

function App() {
  const [lang, setLang] = useLang();
  const t = useMemo(() => translator(lang), [lang]);
  const [me, setMe] = useState<Me | null | undefined>(storedToken() ? undefined : null);
  const [message, setMessage] = useState('');
  const hash = useHash();
  const signOut = (reason?: string) => {
    storeToken(null);
    setMe(null);
    if (reason) setMessage(reason);
  };
  useEffect(() => {
    if (me !== undefined) return;
    callApi<Me>('/api/auth/me').then(setMe, () => signOut());
  }, [me]);
  useEffect(() => {
    if (!message) return;
    const timer = setTimeout(() => setMessage(''), 5_000);
    return () => clearTimeout(timer);
  }, [message]);

  const [routeName = 'dashboard', arg] = hash.replace(/^#\/?/, '').split('?')[0]!.split('/');
  const query = new URLSearchParams(hash.split('?')[1] ?? '');
  const context: PortalContext | null = me
    ? {
        lang,
        t,
        me,
        can: (permission) => me.permissions.includes(permission),
        api: <T>(path: string, init: RequestInit & { raw?: boolean } = {}) =>
          callApi<T>(path, {
            ...init,
            onUnauthorized: () => signOut(translate(lang, 'sessionExpired')),
          }).catch((error: unknown) => {
            throw error instanceof ApiError ? error : new ApiError(0, String(error));
          }),
        toast: setMessage,
      }
    : null;
  const visible = context ? pages.filter((p) => context.can(p.needs)) : [];
  const current = visible.find((p) => p.route === routeName) ?? visible[0];

  return html`<a class="skip" href="#main" onClick=${(e: Event) => {
    e.preventDefault();
    document.getElementById('main')?.focus();
  }}>${t('skip')}</a>
    <header class="top">
      <span class="brand">MTD ${t('backOffice')}</span>
      <nav aria-label=${t('mainNav')}>
        ${visible.map(
          (p) =>
            html`<a href=${`#/${p.route}`} aria-current=${p === current ? 'page' : undefined}>${t(p.key)}</a>`,
        )}
      </nav>
      <div class="who">
        ${me ? html`<span>${me.username} (${t(`role_${me.role}`)})</span>` : null}
        <button type="button" onClick=${() => setLang(lang === 'es' ? 'en' : 'es')}>
          ${t('langButton')}<span class="visually-hidden"> ${t('language')}</span>
        </button>
        ${me ? html`<button type="button" onClick=${() => signOut()}>${t('signOut')}</button>` : null}
      </div>
    </header>
    <main id="main" tabindex="-1">
      ${
        me === null
          ? html`<${SignIn} lang=${lang} onSignedIn=${() => setMe(undefined)} />`
          : context && current
            ? html`<${Portal.Provider} value=${context}>
                <${Page} route=${current.route} arg=${arg} query=${query} key=${`${current.route}/${arg ?? ''}`} />
              <//>`
            : html`<p>${t('loading')}</p>`
      }
    </main>
    <footer class="note"><p>${t('timeNote')}</p></footer>
    <div class=${`toast${message ? ' show' : ''}`} role="status" aria-live="polite">${message}</div>`;
}

function Page(props: { route: string; arg?: string; query: URLSearchParams }) {
  switch (props.route) {
    case 'orders':
      return props.arg
        ? html`<${OrderDetail} orderId=${decodeURIComponent(props.arg)} />`
        : html`<${Orders} query=${props.query} />`;
    case 'exceptions':
      return html`<${Exceptions} />`;
    case 'stats':
      return html`<${Statistics} query=${props.query} />`;
    case 'audit':
      return html`<${Audit} />`;
    case 'dead-letters':
      return html`<${DeadLetters} />`;
    case 'users':
      return html`<${Users} />`;
    default:
      return html`<${Dashboard} />`;
  }
}

function SignIn(props: { lang: Lang; onSignedIn: () => void }) {
  const t = translator(props.lang);
  const [error, setError] = useState('');
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const response = await fetch('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: form.get('username'), password: form.get('password') }),
    });
    const body = (await response.json()) as { token?: string; message?: string };
    if (!response.ok || !body.token) {
      setError(`${t('signInFailed')}: ${body.message ?? response.status}`);
      return;
    }
    storeToken(body.token);
    if (!location.hash) location.hash = '#/dashboard';
    props.onSignedIn();
  };
  return html`<form class="signin" aria-labelledby="si-title" onSubmit=${submit}>
    <h1 id="si-title">${t('signIn')}</h1>
    <label for="username">${t('username')}</label>
    <input id="username" name="username" autocomplete="username" required autofocus />
    <label for="password">${t('password')}</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required />
    <button type="submit" class="primary">${t('signIn')}</button>
    <p class="error" role="alert">${error}</p>
  </form>`;
}

render(html`<${App} />`, document.getElementById('app')!);
