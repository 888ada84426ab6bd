import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AttributeValue, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { Sources } from '@mtd/contracts';
import { type Commit, commitItem, ensureTables, eventStoreTable, ulidGenerator } from '@mtd/platform';
import { startDynalite } from '@mtd/platform/dynalite';

export interface RawPutItemResult {
  puts: number;
  inFlight: number;
  engine: 'memory' | 'disk';
  seconds: number;
  putsPerSecond: number;
  /**
   * CPU per PutItem, in milliseconds, every thread of the process (SDK, engine, LevelDB's threads):
   * what one call costs the machine. The runtime is idle while this runs (the run has ended).
   */
  cpuMsPerPut: number;
  /** Average size of an item written: commits of the run, re-keyed. */
  itemBytes: number;
  /** Where the items' events came from. */
  itemsFrom: string;
}

const warmUp = 100;

/**
 * What the engine allows: conditional PutItems (`attribute_not_exists`, as the event store appends)
 * on a fresh engine with the same options, into a table shaped like the event store (same keys,
 * same feed index), with items made from commits of the run (so of an average commit's size).
 */
export async function measureRawPutItems(options: {
  memory: boolean;
  puts: number;
  inFlight: number;
  sampleCommits: Commit[];
}): Promise<RawPutItemResult> {
  const dataDir = options.memory ? undefined : mkdtempSync(join(tmpdir(), 'mtd-bench-raw-'));
  const engine = await startDynalite(dataDir ? { path: dataDir } : {});
  try {
    const table = 'bench-raw-puts';
    await ensureTables(engine.client, [eventStoreTable(table)]);
    const ids = ulidGenerator();
    const samples = options.sampleCommits.length > 0 ? options.sampleCommits : [syntheticCommit()];
    // Items made before the clock starts: the engine's time, not JSON.stringify's.
    const items: Record<string, AttributeValue>[] = Array.from({ length: warmUp + options.puts }, (_, i) =>
      commitItem({
        streamId: `bench-raw-${i}`,
        version: 1,
        commitId: ids.next(),
        producer: Sources.intake,
        envelopes: samples[i % samples.length]!.events,
      }),
    );
    const measured = items.slice(warmUp);
    const itemBytes =
      measured.reduce((sum, item) => sum + Buffer.byteLength(JSON.stringify(item)), 0) / measured.length;
    const put = (item: Record<string, AttributeValue>) =>
      engine.client.send(
        new PutItemCommand({
          TableName: table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(streamId)',
        }),
      );
    await inParallel(items.slice(0, warmUp), options.inFlight, put);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    await inParallel(measured, options.inFlight, put);
    const cpu = process.cpuUsage(cpuBefore);
    const seconds = (performance.now() - started) / 1000;
    return {
      puts: options.puts,
      inFlight: options.inFlight,
      engine: options.memory ? 'memory' : 'disk',
      seconds,
      putsPerSecond: options.puts / seconds,
      cpuMsPerPut: (cpu.user + cpu.system) / 1000 / options.puts,
      itemBytes,
      itemsFrom:
        options.sampleCommits.length > 0
          ? `a uniform sample of ${options.sampleCommits.length} commits of the run, round robin`
          : 'a synthetic 1.5 KB commit (the run had no commits)',
    };
  } finally {
    await engine.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

async function inParallel<T>(items: T[], width: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

function syntheticCommit(): Commit {
  return {
    streamId: 'bench-synthetic',
    version: 1,
    lastVersion: 1,
    commitId: '00000000000000000000000000',
    events: [{ metadata: { note: 'x'.repeat(1_400) }, data: {} } as unknown as Commit['events'][number]],
  };
}
