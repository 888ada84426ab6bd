import { describe, expect, it } from 'vitest';
import { accessRuleFor, isPublicApiRoute, permissionsOf } from '#domain/accessPolicy';

describe('access policy', () => {
  it('matches parameters and wildcards exactly, never a longer or shorter path', () => {
    expect(accessRuleFor('GET', '/api/orders/PO-1')?.path).toBe('/api/orders/:orderId');
    expect(accessRuleFor('GET', '/api/orders/stream')?.path).toBe('/api/orders/stream');
    expect(accessRuleFor('GET', '/api/orders')?.path).toBe('/api/orders');
    expect(accessRuleFor('GET', '/api/orders/PO-1/extra')).toBeUndefined();
    expect(accessRuleFor('POST', '/api/orders')).toBeUndefined();
    expect(accessRuleFor('POST', '/api/admin/replay')?.roles).toEqual(['admin']);
    expect(accessRuleFor('HEAD', '/api/stats')?.roles).toEqual(['analyst', 'admin']);
    expect(accessRuleFor('GET', '/api/audit/proof/PO-1')?.roles).toEqual(['auditor', 'admin']);
    expect(accessRuleFor('GET', '/api/audit/checkpoints')?.roles).toEqual(['auditor', 'admin']);
    expect(accessRuleFor('GET', '/api/audit/proof')).toBeUndefined();
  });

  it('keeps only health, sign-in and session renewal public under /api', () => {
    expect(isPublicApiRoute('GET', '/api/health')).toBe(true);
    expect(isPublicApiRoute('POST', '/api/auth/login')).toBe(true);
    expect(isPublicApiRoute('POST', '/api/auth/refresh')).toBe(true);
    expect(isPublicApiRoute('GET', '/api/auth/login')).toBe(false);
    expect(isPublicApiRoute('GET', '/api/orders')).toBe(false);
  });

  it('tells each role what it may call, from the same table', () => {
    expect(permissionsOf('analyst')).toContain('GET /api/stats');
    expect(permissionsOf('analyst')).not.toContain('POST /api/exceptions/:orderId/retry');
    expect(permissionsOf('operator')).toContain('POST /api/exceptions/:orderId/retry');
    expect(permissionsOf('admin')).toContain('POST /api/users');
  });
});
