import { execFile } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import type { EventMetadata } from '@mtd/contracts';
import { defects, orderXml, sampleOrder, seededRandom, tableNames } from '@mtd/local';
import { commitItem } from '@mtd/platform';
import { startDynalite } from '@mtd/platform/dynalite';
import {
  checkpointPk,
  type LedgerPage,
  pageItem,
  pageOf,
  pagePk,
  type SignedCheckpoint,
  type StoredEvent,
} from '@mtd/platform/ledger';
import { verifyLedgerProof } from '@mtd/platform/ledger/proofVerifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildRuntime, mtdBin, startChildRuntime, stopChild } from './childRuntime';
import { caughtUp, eventually, postOrder, testAdminPassword } from './harness';

/**
 * Issue 13's acceptance 1–3, as a user runs them: a real `mtd start` on a data folder takes orders,
 * then is stopped; a tamper suite writes to its engine directly (each tamper on a fresh copy of the
 * folder) and `mtd audit verify --data DIR`, the bundled CLI, must exit 1 and name where. Proofs
 * and consistency proofs are checked with `mtd audit check-proof`, which needs no MTD at all.
 */

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The bundled CLI in its own process. `MTD_DATA` points the online commands at the runtime. */
function mtd(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const { MTD_DATA: _data, MTD_URL: _url, MTD_PASSWORD: _password, ...inherited } = process.env;
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [mtdBin, ...args],
      { env: { ...inherited, MTD_PASSWORD: testAdminPassword, ...env }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

const root = mkdtempSync(join(tmpdir(), 'mtd-audit-'));
/** The stopped runtime's folder; never written to by the tamper tests (each works on a copy). */
const original = join(root, 'original');
const random = seededRandom(13);
const orders = ['AUD-1', 'AUD-2', 'AUD-3', 'AUD-4', 'AUD-5'].map((orderId) =>
  sampleOrder({ orderId, random }),
);

afterAll(() => rmSync(root, { recursive: true, force: true }));

async function sendOrders(url: string, batch: typeof orders) {
  for (const order of batch) {
    const sent = await postOrder(url, orderXml(order), 'application/xml');
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
  }
  await eventually('every reader to catch up', () => caughtUp(url), Boolean, 30_000);
}

describe('mtd audit against a running MTD', () => {
  let runtime: ChildRuntime;
  const online = (args: string[]) => mtd(args, { MTD_DATA: original });

  beforeAll(async () => {
    runtime = await startChildRuntime(original);
    // A refused order too: its OrderRejected quotes the bad value, a personal field inside an array.
    const refused = defects.badEmail(sampleOrder({ orderId: 'AUD-BAD', random }));
    expect((await postOrder(runtime.url, orderXml(refused), 'application/xml')).status).toBe(400);
    await sendOrders(runtime.url, orders.slice(0, 3));
  });
  afterAll(() => (runtime ? stopChild(runtime.child, 'SIGINT') : undefined));

  it('verifies as a job in MTD with its progress, signs a checkpoint on demand, and refuses --data on the folder in use', async () => {
    const verified = await online(['audit', 'verify']);
    expect(verified, verified.stderr).toMatchObject({ code: 0 });
    expect(verified.stdout).toMatch(
      /^ledger ok: (\d+) stored event\(s\) checked against \1 leaves and \d+ signed/,
    );
    // Not a terminal: progress is plain lines on stderr, ending with the store phase at 100%.
    expect(verified.stderr).toMatch(
      /^audit-verify audit-verify-[0-9a-f]+: 100% \((\d+)\/\1 events\) · checking the store$/m,
    );

    const made = await online(['audit', 'checkpoint', '--json']);
    expect(made.code).toBe(0);
    const checkpoint = JSON.parse(made.stdout) as SignedCheckpoint;
    expect(checkpoint).toMatchObject({ origin: 'mtd-local', treeSize: expect.any(Number) });
    const listed = await online(['audit', 'checkpoints']);
    expect(listed.stdout).toMatch(/^treeSize\s+time\s+rootHash\s+keyId$/m);
    expect(listed.stdout).toContain(`${checkpoint.time}  ${checkpoint.rootHash}  ${checkpoint.keyId}`);

    const proofFile = join(root, 'online-proof.json');
    const proved = await online(['audit', 'prove', 'AUD-2', '--redact', '--out', proofFile]);
    expect(proved.code, proved.stderr).toBe(0);
    expect(proved.stdout).toMatch(/^wrote \S+: \d+ event\(s\) of order AUD-2 \(personal fields redacted\)/);
    expect(readFileSync(proofFile, 'utf8')).not.toContain(orders[1]!.customer.email);
    expect(await online(['audit', 'check-proof', proofFile])).toMatchObject({ code: 0 });
    const nowhere = join(root, 'no-such-folder', 'proof.json');
    expect(await online(['audit', 'prove', 'AUD-2', '--out', nowhere])).toMatchObject({
      code: 2,
      stderr: `mtd: cannot write the proof to ${nowhere}: its folder does not exist\n`,
    });

    const inUse = await mtd(['audit', 'verify', '--data', original]);
    expect(inUse.code).toBe(2);
    expect(inUse.stderr).toContain(`${original} is in use by a running MTD (pid `);
    expect(inUse.stderr).toMatch(/stop it first .*or drop --data/);

    // More orders after that checkpoint, so the stopped folder holds two checkpoints of different sizes.
    await sendOrders(runtime.url, orders.slice(3));
  });
});

// ---- Writing to the stopped folder's engine directly, as someone with the files would ----

async function withEngine<T>(dataDir: string, work: (client: DynamoDBClient) => Promise<T>): Promise<T> {
  const engine = await startDynalite({ path: join(dataDir, 'dynamodb') });
  try {
    return await work(engine.client);
  } finally {
    await engine.close();
  }
}

const put = (client: DynamoDBClient, tableName: string, item: Record<string, AttributeValue>) =>
  client.send(new PutItemCommand({ TableName: tableName, Item: item }));

async function ledgerPages(client: DynamoDBClient): Promise<LedgerPage[]> {
  const { Items } = await client.send(
    new QueryCommand({
      TableName: tableNames.ledger,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: pagePk } },
    }),
  );
  return (Items ?? []).map((item) => pageOf(item) as LedgerPage);
}

async function storedCommit(client: DynamoDBClient, streamId: string, version: number) {
  const { Item } = await client.send(
    new GetItemCommand({
      TableName: tableNames.events,
      Key: { streamId: { S: streamId }, version: { N: String(version) } },
    }),
  );
  expect(Item, `${streamId}@${version} in the store`).toBeDefined();
  return { item: Item!, events: JSON.parse(Item!.events!.S!) as StoredEvent[] };
}

let copies = 0;
/** A fresh copy of the stopped folder (`cp -r`), tampered with by `tamper` on its own engine. */
async function tampered(tamper: (client: DynamoDBClient) => Promise<void>): Promise<string> {
  const dir = join(root, `copy-${++copies}`);
  cpSync(original, dir, { recursive: true });
  await withEngine(dir, tamper);
  return dir;
}

/** `mtd audit verify --data DIR`: exit 1, and each expected `kind  where` named on a line of its own. */
async function expectCaught(dir: string, named: RegExp[]): Promise<Run> {
  const verdict = await mtd(['audit', 'verify', '--data', dir]);
  expect(verdict.code, `${verdict.stdout}${verdict.stderr}`).toBe(1);
  expect(verdict.stdout).toMatch(/^ledger BROKEN: \d+ problem\(s\)/);
  for (const line of named) expect(verdict.stdout).toMatch(line);
  return verdict;
}

describe('mtd audit verify --data DIR on the stopped folder, after each tamper', () => {
  /** The biggest ledger page (a swap needs two leaves in one page) and the newest checkpoint. */
  let page: LedgerPage;
  let through: string;

  beforeAll(async () => {
    await withEngine(original, async (client) => {
      const pages = await ledgerPages(client);
      page = pages.reduce((a, b) => (b.leaves.length > a.leaves.length ? b : a));
      through = pages.at(-1)!.through!;
    });
    expect(page.leaves.length).toBeGreaterThanOrEqual(2);
  });

  it('finds nothing on the untouched folder (exit 0)', async () => {
    const verdict = await mtd(['audit', 'verify', '--data', original]);
    expect(verdict, verdict.stderr).toMatchObject({ code: 0 });
    expect(verdict.stdout).toMatch(
      /^ledger ok: (\d+) stored event\(s\) checked against \1 leaves and (\d+) signed checkpoint\(s\)$/m,
    );
    // The one at start (no leaf), the one signed on demand above, the last one at stop.
    expect(Number(/and (\d+) signed/.exec(verdict.stdout)![1])).toBeGreaterThanOrEqual(3);
  });

  it("needs the folder's salt secret (refused without it, exit 2), not its signing key", async () => {
    const withoutSalt = join(root, 'without-salt');
    cpSync(original, withoutSalt, { recursive: true });
    rmSync(join(withoutSalt, 'keys', 'ledger-salt.key'));
    const refused = await mtd(['audit', 'verify', '--data', withoutSalt]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('lacks ledger-salt.key');
    expect(readdirSync(join(withoutSalt, 'keys'))).not.toContain('ledger-salt.key'); // none made up

    const withoutSigningKey = join(root, 'without-signing-key');
    cpSync(original, withoutSigningKey, { recursive: true });
    rmSync(join(withoutSigningKey, 'keys', 'ledger-signing-key.pem'));
    expect(await mtd(['audit', 'verify', '--data', withoutSigningKey])).toMatchObject({ code: 0 });
    const signing = await mtd(['audit', 'checkpoint', '--data', withoutSigningKey]);
    expect(signing).toMatchObject({
      code: 1,
      stderr: 'mtd: this ledger has no signer: checkpoints need one\n',
    });
  });

  it('an edited field of a stored event: the customer email and the actor', async () => {
    const dir = await tampered(async (client) => {
      // One commit holds OrderReceived (@1) and OrderAccepted (@2), the validated order with its customer.
      const { item, events } = await storedCommit(client, 'order-AUD-1', 1);
      const accepted = events[1]!;
      const data = accepted.data as { order: { customer: { email: string } } };
      expect(data.order.customer.email).toContain('@');
      data.order.customer.email = 'mallory@example.cl';
      accepted.metadata.actor = 'user:mallory';
      await put(client, tableNames.events, { ...item, events: { S: JSON.stringify(events) } });
    });
    await expectCaught(dir, [
      /^ {2}edited\s+order-AUD-1@2\s+the stored event no longer hashes to leaf \d+$/m,
    ]);
  });

  it('a deleted commit', async () => {
    const dir = await tampered(async (client) => {
      await storedCommit(client, 'notification-AUD-2', 1);
      await client.send(
        new DeleteItemCommand({
          TableName: tableNames.events,
          Key: { streamId: { S: 'notification-AUD-2' }, version: { N: '1' } },
        }),
      );
    });
    await expectCaught(dir, [
      /^ {2}deleted\s+notification-AUD-2@1\s+leaf \d+'s event \(\S+\) is not in the store$/m,
    ]);
  });

  it('a forged commit inserted behind the ledger, dated inside what it had read', async () => {
    const dir = await tampered(async (client) => {
      const { events } = await storedCommit(client, 'order-AUD-3', 1);
      const metadata: EventMetadata = {
        ...events[0]!.metadata,
        streamId: 'order-FORGED-1',
        correlationId: 'FORGED-1',
      };
      await put(
        client,
        tableNames.events,
        commitItem({
          streamId: 'order-FORGED-1',
          version: 1,
          commitId: `${through.slice(0, 10)}${'0'.repeat(16)}`,
          producer: metadata.producer,
          envelopes: [{ metadata, data: events[0]!.data }],
        }),
      );
    });
    await expectCaught(dir, [
      /^ {2}inserted\s+order-FORGED-1@1\s+commit \S+ is older than what the ledger had read/m,
    ]);
  });

  it('two leaves whose ledger positions were swapped (the page item edited)', async () => {
    const [i, j] = [page.seq, page.seq + page.leaves.length - 1];
    const dir = await tampered(async (client) => {
      const swapped = { ...page, leaves: [...page.leaves], entries: [...page.entries] };
      const [a, b] = [0, page.leaves.length - 1];
      [swapped.leaves[a], swapped.leaves[b]] = [swapped.leaves[b]!, swapped.leaves[a]!];
      [swapped.entries[a], swapped.entries[b]] = [swapped.entries[b]!, swapped.entries[a]!];
      await put(client, tableNames.ledger, pageItem(swapped));
    });
    await expectCaught(dir, [
      new RegExp(
        `^ {2}reordered\\s+leaf ${i}\\s+\\S+ is at leaf ${i}, out of the order page ${page.seq} was appended in$`,
        'm',
      ),
      new RegExp(`^ {2}reordered\\s+leaf ${j}\\s`, 'm'),
      /^ {2}checkpoint-mismatch\s+checkpoint \d+\s+the first \d+ leaves hash to/m,
    ]);
  });

  it('an edited ledger page (one leaf hash changed)', async () => {
    const leaf = page.seq + 1;
    const dir = await tampered(async (client) => {
      const edited = { ...page, leaves: [...page.leaves] };
      edited.leaves[1] = Buffer.from(page.leaves[1]!).fill(0xab, 0, 1);
      await put(client, tableNames.ledger, pageItem(edited));
    });
    await expectCaught(dir, [
      new RegExp(
        `^ {2}ledger-edited\\s+leaf ${leaf}\\s+page ${page.seq} changed: leaf ${leaf} is not the hash of`,
        'm',
      ),
    ]);
  });

  it('a deleted ledger page', async () => {
    const dir = await tampered(async (client) => {
      await client.send(
        new DeleteItemCommand({
          TableName: tableNames.ledger,
          Key: { pk: { S: pagePk }, seq: { N: String(page.seq) } },
        }),
      );
    });
    await expectCaught(dir, [new RegExp(`^ {2}ledger-deleted\\s+leaves ${page.seq}\\.\\.`, 'm')]);
  });

  it('an edited checkpoint (its root)', async () => {
    let size = 0;
    const dir = await tampered(async (client) => {
      const { Items } = await client.send(
        new QueryCommand({
          TableName: tableNames.ledger,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: checkpointPk } },
          ScanIndexForward: false,
          Limit: 1,
        }),
      );
      const item = Items![0]!;
      size = Number(item.seq!.N);
      await put(client, tableNames.ledger, { ...item, rootHash: { S: 'ab'.repeat(32) } });
    });
    await expectCaught(dir, [
      new RegExp(
        `^ {2}checkpoint-mismatch\\s+checkpoint ${size}\\s+the first ${size} leaves hash to [0-9a-f]{64}, not the signed root (ab){32}$`,
        'm',
      ),
      new RegExp(
        `^ {2}checkpoint-signature\\s+checkpoint ${size}\\s+signed \\S+: the signature does not verify`,
        'm',
      ),
    ]);
  });
});

describe('proofs checked offline with mtd audit check-proof (no MTD, no store)', () => {
  const proofFile = join(root, 'AUD-4.proof.json');
  /** check-proof is pointed at a folder that holds nothing: it must need no MTD and no data. */
  const nowhere = { MTD_DATA: join(root, 'nowhere') };

  it('proves an order from the stopped folder; the proof verifies offline, also against the pinned key', async () => {
    const proved = await mtd(['audit', 'prove', 'AUD-4', '--out', proofFile, '--data', original]);
    expect(proved.code, proved.stderr).toBe(0);
    const checked = await mtd(['audit', 'check-proof', proofFile], nowhere);
    expect(checked, checked.stderr).toMatchObject({ code: 0 });
    expect(checked.stdout).toMatch(
      /^proof ok: \d+ event\(s\), as stored, are leaves of ledger mtd-local under its checkpoint of \d+ leaves/,
    );
    expect(checked.stdout).toMatch(/^ {2}leaf +\d+ {2}order-AUD-4@1$/m);
    expect(checked.stdout).toMatch(/^ {2}leaf +\d+ {2}dte-AUD-4@1$/m);

    const refusedFile = join(root, 'AUD-BAD.proof.json');
    const provedRefusal = await mtd(['audit', 'prove', 'AUD-BAD', '--out', refusedFile, '--data', original]);
    expect(provedRefusal.code, provedRefusal.stderr).toBe(0);
    const checkedRefusal = await mtd(['audit', 'check-proof', refusedFile], nowhere);
    expect(checkedRefusal, checkedRefusal.stderr).toMatchObject({ code: 0 });
    expect(checkedRefusal.stdout).toMatch(/^ {2}leaf +\d+ {2}order-AUD-BAD@2$/m);

    // The operator publishes the public key of DATA/keys; an auditor pins it.
    const privatePem = readFileSync(join(original, 'keys', 'ledger-signing-key.pem'), 'utf8');
    const published = join(root, 'mtd-ledger-key.pem');
    writeFileSync(published, createPublicKey(privatePem).export({ type: 'spki', format: 'pem' }));
    const pinned = await mtd(['audit', 'check-proof', proofFile, '--key', published], nowhere);
    expect(pinned.code).toBe(0);
    expect(pinned.stdout).toContain('Signed by a key you trust (--key).');
    const other = join(root, 'other-key.pem');
    writeFileSync(other, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    const refused = await mtd(['audit', 'check-proof', proofFile, '--key', other], nowhere);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^proof FAILS: key [0-9a-f]{32} is not one of the trusted keys$/m);
  });

  it('fails (exit 1) when a bit of the file flips, or a field of one of its events changes', async () => {
    const text = readFileSync(proofFile);
    // Every 7th byte of this real file (7 is prime to 8, so the flipped bit cycles through all 8),
    // through the standalone verifier itself; ledgerProof.int.test.ts flips every byte of its own.
    const survivors: number[] = [];
    for (let i = 0; i < text.length; i += 7) {
      const flipped = Buffer.from(text);
      flipped[i] = flipped[i]! ^ (1 << (i % 8));
      if (verifyLedgerProof(flipped.toString('utf8')).ok) survivors.push(i);
    }
    expect(survivors, 'byte offsets whose flipped bit still verifies').toEqual([]);

    // …and a few of them through the CLI, as an auditor would see it.
    const inEvent = text.indexOf('"data"') + 20;
    for (const offset of [text.indexOf('"rootHash"') + 15, inEvent]) {
      const flipped = Buffer.from(text);
      flipped[offset] = flipped[offset]! ^ 0x01;
      const file = join(root, `flipped-${offset}.json`);
      writeFileSync(file, flipped);
      const checked = await mtd(['audit', 'check-proof', file], nowhere);
      expect(checked.code, checked.stdout).toBe(1);
      expect(checked.stdout).toMatch(/^proof FAILS: /);
    }

    const proof = JSON.parse(text.toString('utf8')) as { entries: { event: StoredEvent }[] };
    const event = proof.entries[1]!.event;
    event.metadata.actor = 'user:mallory';
    const edited = join(root, 'edited-event.json');
    writeFileSync(edited, JSON.stringify(proof, null, 2));
    const checked = await mtd(['audit', 'check-proof', edited], nowhere);
    expect(checked.code).toBe(1);
    expect(checked.stdout).toMatch(
      /^proof FAILS: entry 1: the event is not leaf \d+ of the checkpoint's tree$/m,
    );
  });

  it('a consistency proof between two checkpoints verifies; one across a rewritten history fails', async () => {
    const listed = await mtd(['audit', 'checkpoints', '--json', '--data', original]);
    const sizes = (JSON.parse(listed.stdout) as { items: SignedCheckpoint[] }).items
      .map((c) => c.treeSize)
      .filter((size) => size > 0);
    expect(sizes.length).toBeGreaterThanOrEqual(2);
    const [newer, older] = [sizes[0]!, sizes.at(-1)!];
    const file = join(root, 'consistency.json');
    const proved = await mtd([
      'audit',
      'consistency',
      String(older),
      String(newer),
      '--out',
      file,
      '--data',
      original,
    ]);
    expect(proved, proved.stderr).toMatchObject({ code: 0 });
    expect(proved.stdout).toMatch(
      new RegExp(
        `^consistency ok: the first ${older} leaves of ledger mtd-local are unchanged in its tree of ${newer}$`,
        'm',
      ),
    );
    const checked = await mtd(['audit', 'check-proof', file], nowhere);
    expect(checked, checked.stderr).toMatchObject({ code: 0 });
    expect(checked.stdout).toMatch(/^consistency ok: /);

    // History rewritten between the two checkpoints: the first leaf after the older one replaced,
    // every page's frontier left alone. The proof is built from the ledger as it is now, so it cannot
    // meet the newer signed root. (A leaf under the older checkpoint is not always in the proof: when
    // its size is a power of two the proof starts from the signed older root. `verify` catches that.)
    const dir = await tampered(async (client) => {
      const page = (await ledgerPages(client)).find(
        (p) => p.seq <= older && older < p.seq + p.leaves.length,
      )!;
      const leaves = [...page.leaves];
      leaves[older - page.seq] = Buffer.alloc(32, 7);
      await put(client, tableNames.ledger, pageItem({ ...page, leaves }));
    });
    const rewrittenProof = await mtd(['audit', 'consistency', String(older), String(newer), '--data', dir]);
    expect(rewrittenProof.code).toBe(1);
    expect(rewrittenProof.stdout).toBe(
      `consistency FAILS: the tree of ${older} leaves is not a prefix of the tree of ${newer}\n`,
    );
  });
});
