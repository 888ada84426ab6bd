/** The back office's roles. `admin` may do everything; the others one job each. */
export const roles = ['operator', 'analyst', 'auditor', 'admin'] as const;
export type Role = (typeof roles)[number];

export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}

/** One protected route: method, Hono-style path (`:param`, trailing `*`) and who may call it. */
export interface AccessRule {
  method: 'GET' | 'POST';
  path: string;
  roles: readonly Role[];
  /** What the route is for, shown in the 403 message. */
  purpose: string;
}

const everyone: readonly Role[] = roles;

/**
 * Who may call what: the single table the middleware enforces and the role-matrix test walks.
 * `admin` is listed on every rule explicitly, so reading one line tells the whole story.
 * Public (no token): {@link publicApiRoutes}, `POST /orders` (partner intake; API keys in AWS), and
 * the portal's static files outside `/api`.
 */
export const accessRules: readonly AccessRule[] = [
  { method: 'GET', path: '/api/auth/me', roles: everyone, purpose: 'see who you are signed in as' },
  { method: 'GET', path: '/api/orders/stream', roles: everyone, purpose: 'follow orders live' },
  { method: 'GET', path: '/api/orders', roles: everyone, purpose: 'list orders in process' },
  {
    method: 'GET',
    path: '/api/orders/:orderId',
    roles: ['operator', 'auditor', 'admin'],
    purpose: "read an order's timeline",
  },
  {
    method: 'GET',
    path: '/api/exceptions',
    roles: ['operator', 'auditor', 'admin'],
    purpose: 'list open exceptions',
  },
  {
    method: 'POST',
    path: '/api/exceptions/:orderId/retry',
    roles: ['operator', 'admin'],
    purpose: 'retry an exception',
  },
  { method: 'GET', path: '/api/stats', roles: ['analyst', 'admin'], purpose: 'read and export statistics' },
  { method: 'GET', path: '/api/audit', roles: ['auditor', 'admin'], purpose: 'read the audit log' },
  {
    method: 'GET',
    path: '/api/audit/verify',
    roles: ['auditor', 'admin'],
    purpose: 'verify the audit chain',
  },
  {
    method: 'GET',
    path: '/api/audit/checkpoints',
    roles: ['auditor', 'admin'],
    purpose: "list the audit ledger's signed checkpoints",
  },
  {
    method: 'GET',
    path: '/api/audit/proof/:orderId',
    roles: ['auditor', 'admin'],
    purpose: "download an order's audit proof",
  },
  { method: 'GET', path: '/api/dead-letters', roles: ['operator', 'admin'], purpose: 'list dead letters' },
  {
    method: 'POST',
    path: '/api/dead-letters/:subscription/:eventId/redrive',
    roles: ['operator', 'admin'],
    purpose: 'redrive a dead letter',
  },
  { method: 'GET', path: '/api/users', roles: ['admin'], purpose: 'list users' },
  { method: 'POST', path: '/api/users', roles: ['admin'], purpose: 'create users' },
  { method: 'GET', path: '/api/admin/*', roles: ['admin'], purpose: 'run operations tools' },
  { method: 'POST', path: '/api/admin/*', roles: ['admin'], purpose: 'run operations tools' },
];

/**
 * Routes under `/api` that need no token: health, sign-in, and the CLI's session renewal (its refresh
 * token is the credential).
 */
export const publicApiRoutes: readonly { method: string; path: string }[] = [
  { method: 'GET', path: '/api/health' },
  { method: 'POST', path: '/api/auth/login' },
  { method: 'POST', path: '/api/auth/refresh' },
];

/**
 * What `role` may call, as `METHOD /path` of the access rules: the portal shows a page or a button
 * only when the API says so, and keeps no copy of these rules.
 */
export function permissionsOf(role: Role): string[] {
  return accessRules.filter((rule) => rule.roles.includes(role)).map((rule) => `${rule.method} ${rule.path}`);
}

function matches(pattern: string, path: string): boolean {
  const want = pattern.split('/');
  const got = path.replace(/\/+$/, '').split('/');
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    if (w === '*') return got.length > i;
    const g = got[i];
    if (g === undefined) return false;
    if (w.startsWith(':') ? g === '' : w !== g) return false;
  }
  return want.length === got.length;
}

/** The rule of a request (HEAD is treated as GET), or undefined when no rule names it. */
export function accessRuleFor(method: string, path: string): AccessRule | undefined {
  const m = method === 'HEAD' ? 'GET' : method;
  return accessRules.find((rule) => rule.method === m && matches(rule.path, path));
}

export function isPublicApiRoute(method: string, path: string): boolean {
  const m = method === 'HEAD' ? 'GET' : method;
  return publicApiRoutes.some((route) => route.method === m && matches(route.path, path));
}
