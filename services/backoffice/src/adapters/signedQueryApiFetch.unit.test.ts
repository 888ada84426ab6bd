import { describe, expect, it } from 'vitest';
import { signedQueryApiFetch } from '#adapters/signedQueryApiFetch';

describe("projection's query API on AWS", () => {
  it('signs each GET with SigV4 for lambda and sends it to the function URL, path and query kept', async () => {
    const sent: { url: string; headers: Record<string, string> }[] = [];
    const query = signedQueryApiFetch({
      url: 'https://abc123.lambda-url.us-east-1.on.aws/',
      region: 'us-east-1',
      credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
      send: (async (url: URL, init: RequestInit) => {
        sent.push({ url: String(url), headers: init.headers as Record<string, string> });
        return new Response('{}', { status: 200 });
      }) as typeof fetch,
    });
    const response = await query(
      new Request('http://projection.internal/api/stats?from=2026-11-01&to=2026-11-02'),
    );
    expect(response.status).toBe(200);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.url).toBe(
      'https://abc123.lambda-url.us-east-1.on.aws/api/stats?from=2026-11-01&to=2026-11-02',
    );
    expect(sent[0]!.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/lambda\/aws4_request, SignedHeaders=.*host.*, Signature=[0-9a-f]{64}$/,
    );
    expect(sent[0]!.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
  });

  it('signs the host with its port when the URL names one, as fetch sends it', async () => {
    const sent: Record<string, string>[] = [];
    const query = signedQueryApiFetch({
      url: 'http://127.0.0.1:41999/',
      region: 'us-east-1',
      credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
      send: (async (_url: URL, init: RequestInit) => {
        sent.push(init.headers as Record<string, string>);
        return new Response('{}', { status: 200 });
      }) as typeof fetch,
    });
    await query(new Request('http://projection.internal/api/orders'));
    expect(sent[0]?.host).toBe('127.0.0.1:41999');
    expect(sent[0]?.authorization).toMatch(/SignedHeaders=[^,]*host/);
  });
});
