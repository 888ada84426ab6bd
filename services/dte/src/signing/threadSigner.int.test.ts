import { existsSync } from 'node:fs';
import { osThreadId } from '@mtd/platform';
import { afterEach, describe, expect, it } from 'vitest';
import { planIssuance } from '#domain/issuance';
import { inlineSigner } from '#signing/dteSigner';
import { type ThreadSigner, threadSigner } from '#signing/threadSigner';
import { verifyTeds, verifyXmlSignatures } from '#signing/verification';
import { aLine, anAcceptedOrder } from '#src/testing/anAcceptedOrder';
import { aTestCaf, testAuthority, testCredentials, testIssuer } from '#src/testing/testIssuer';

const issuedAt = '2026-11-24T13:00:01.000Z';
const credentials = testCredentials();
const caf = aTestCaf(39, 1, 10);
const documentOf = (orderId: string, folio: number, lines = 1) => ({
  ...planIssuance(
    anAcceptedOrder({ orderId, lines: Array.from({ length: lines }, (_, k) => aLine({ sku: `S${k}` })) }),
    testIssuer,
    issuedAt,
  ).document,
  folio,
});

let signer: ThreadSigner | undefined;
afterEach(async () => {
  await signer?.close();
  signer = undefined;
});

describe('the thread signer', () => {
  it('signs documents and envelopes in another thread, byte for byte as in this one', async () => {
    signer = threadSigner();
    await signer.warmUp();
    const documents = [documentOf('PO-1', 1), documentOf('PO-2', 2, 60)];
    const inThread = await Promise.all(
      documents.map((d) => signer!.signDocument(d, caf, credentials, issuedAt)),
    );
    const inline = await Promise.all(
      documents.map((d) => inlineSigner.signDocument(d, caf, credentials, issuedAt)),
    );
    expect(inThread).toEqual(inline);

    const envelope = { dteType: 39 as const, issuer: testIssuer, documents: inThread.map((d) => d.xml) };
    const signedEnvelope = await signer.signEnvelope(envelope, credentials, issuedAt);
    expect(signedEnvelope).toBe(await inlineSigner.signEnvelope(envelope, credentials, issuedAt));
    expect(verifyXmlSignatures(signedEnvelope).map((s) => s.valid)).toEqual([true, true, true]);
    expect(verifyTeds(signedEnvelope, testAuthority.publicKey).flatMap((t) => t.problems)).toEqual([]);

    const threads = signer.threads();
    if (osThreadId() !== undefined) {
      expect(threads).toHaveLength(1);
      expect(threads[0]).not.toBe(osThreadId());
    }
    await signer.close();
    for (const thread of threads) expect(existsSync(`/proc/self/task/${thread}`)).toBe(false);
  });

  it('fails a signature the way signing in this thread fails it', async () => {
    signer = threadSigner();
    const broken = { ...credentials, privateKeyPem: 'not a key' };
    const inline = await inlineSigner
      .signDocument(documentOf('PO-3', 3), caf, broken, issuedAt)
      .catch((e: Error) => e);
    expect(inline).toBeInstanceOf(Error);
    await expect(signer.signDocument(documentOf('PO-3', 3), caf, broken, issuedAt)).rejects.toThrow(
      (inline as Error).message,
    );
  });
});
