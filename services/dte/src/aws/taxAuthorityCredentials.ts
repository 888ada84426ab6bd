import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** The tax-authority credentials secret is missing, not JSON, or has no `token`. */
export class TaxAuthorityCredentialsError extends Error {
  override readonly name = 'TaxAuthorityCredentialsError';
}

/**
 * A `fetch` that adds the tax authority's credentials (`Authorization: Bearer <token>`, the
 * secret's JSON `{ "token": "…" }`) to every request. The secret is read once per container, on
 * the first request, and cached; a failed read is not cached, so the next delivery tries again.
 * Rotation takes effect on new containers (cold starts).
 */
export function authorizedFetch(options: {
  secrets: SecretsManagerClient;
  secretId: string;
  fetch?: typeof globalThis.fetch;
}): typeof globalThis.fetch {
  const send = options.fetch ?? globalThis.fetch;
  let token: Promise<string> | undefined;
  const readToken = async (): Promise<string> => {
    const { SecretString } = await options.secrets.send(
      new GetSecretValueCommand({ SecretId: options.secretId }),
    );
    let parsed: unknown;
    try {
      parsed = JSON.parse(SecretString ?? '');
    } catch (error) {
      throw new TaxAuthorityCredentialsError(`secret ${options.secretId} is not JSON`, { cause: error });
    }
    const value = (parsed as { token?: unknown } | null)?.token;
    if (typeof value !== 'string' || value === '') {
      throw new TaxAuthorityCredentialsError(`secret ${options.secretId} has no "token"`);
    }
    return value;
  };
  return async (input, init) => {
    token ??= readToken().catch((error: unknown) => {
      token = undefined;
      throw error;
    });
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${await token}`);
    return send(input, { ...init, headers });
  };
}
