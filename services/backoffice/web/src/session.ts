import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { type Lang, translate } from './i18n';

/** Who is signed in, as `GET /api/auth/me` says: `permissions` are `METHOD /path` of the access rules. */
export interface Me {
  username: string;
  role: string;
  expiresAt: string;
  permissions: string[];
}

/** An answer of the API that is not 2xx, with its message (the API says what to do). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const tokenKey = 'mtd.token';

export const storedToken = () => sessionStorage.getItem(tokenKey);
export const storeToken = (token: string | null) =>
  token ? sessionStorage.setItem(tokenKey, token) : sessionStorage.removeItem(tokenKey);

/** Calls the API with the signed-in user's token; 401 signs the user out. */
export async function callApi<T>(
  path: string,
  init: RequestInit & { onUnauthorized?: () => void; raw?: boolean } = {},
): Promise<T> {
  const token = storedToken();
  const response = await fetch(path, {
    ...init,
    headers: { ...(init.headers ?? {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  if (response.status === 401) init.onUnauthorized?.();
  const type = response.headers.get('content-type') ?? '';
  if (!response.ok) {
    const body = type.includes('json')
      ? ((await response.json()) as { message?: string; error?: string })
      : {};
    throw new ApiError(response.status, body.message ?? body.error ?? `HTTP ${response.status}`);
  }
  if (init.raw || !type.includes('json')) return (await response.text()) as T;
  return (await response.json()) as T;
}

export interface PortalContext {
  lang: Lang;
  t: (key: string, vars?: Record<string, string | number>) => string;
  me: Me;
  /** True when the API lets this user call `METHOD /path` (as the access rules name it). */
  can: (permission: string) => boolean;
  api: <T>(path: string, init?: RequestInit & { raw?: boolean }) => Promise<T>;
  toast: (text: string) => void;
}

export const Portal = createContext<PortalContext | null>(null);

export function usePortal(): PortalContext {
  const context = useContext(Portal);
  if (!context) throw new Error('usePortal outside the signed-in portal');
  return context;
}

export const translator = (lang: Lang) => (key: string, vars?: Record<string, string | number>) =>
  translate(lang, key, vars);

/** Saves a text or blob as a download with `name` (the browser's own download, no server round trip). */
export function saveAs(name: string, content: string, type: string): void {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([content], { type }));
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}
