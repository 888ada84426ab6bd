import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { QueryApiFetch } from '#adapters/projectionQueryClient';

/**
 * Projection's query API on AWS: its Lambda function URL with IAM auth. Each request is signed with
 * SigV4 for the `lambda` service using the back office's role (which may call only that URL), then
 * sent with fetch; the answer comes back as the query API wrote it.
 */
export function signedQueryApiFetch(options: {
  /** The function URL, `https://<id>.lambda-url.<region>.on.aws/`. */
  url: string;
  region: string;
  credentials: AwsCredentialIdentityProvider;
  send?: typeof fetch;
}): QueryApiFetch {
  const base = new URL(options.url);
  const signer = new SignatureV4({
    service: 'lambda',
    region: options.region,
    credentials: options.credentials,
    sha256: Sha256,
  });
  const send = options.send ?? fetch;
  return async (request) => {
    const asked = new URL(request.url);
    const query: Record<string, string> = {};
    for (const [key, value] of asked.searchParams) query[key] = value;
    const signed = await signer.sign({
      method: request.method,
      protocol: base.protocol,
      hostname: base.hostname,
      ...(base.port ? { port: Number(base.port) } : {}),
      path: asked.pathname,
      query,
      // The Host header as fetch sends it: with the port when the URL names one, or the signature
      // covers a host the server never sees (the emulated cloud's loopback function URL has a port).
      headers: { host: base.host, accept: 'application/json' },
    });
    return send(new URL(`${asked.pathname}${asked.search}`, base), {
      method: request.method,
      headers: signed.headers,
    });
  };
}
