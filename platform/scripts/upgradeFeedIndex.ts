/**
 * One-off upgrade of a deployed stage's event store to the sharded feed index (docs/decisions.md,
 * 2026-12-04 "The feed index can be sharded"): moves every commit still in its day's one old partition
 * into its shard and marks the day. Run it once after deploying the code that shards the feed, with
 * credentials that may Query and UpdateItem on the table (an operator's, not a service's: the
 * services' roles may only write their own streams):
 *
 *   AWS_PROFILE=… AWS_REGION=… npx tsx platform/scripts/upgradeFeedIndex.ts --table mtd-<stage>-events \
 *     --feed-shards <the stage's feedShards, infra/lib/stage.ts>
 *
 * `--feed-shards` must be the stage's count: the day of the deploy was marked by the old code (no
 * count), so the new functions write its commits into the stage's shards, and the marker this script
 * writes tells readers which shards to read from then on. A smaller count would hide the commits in
 * the other shards.
 *
 * Idempotent and safe while the stage runs (appends never wait on it; readers read the old partition
 * too until a day is marked). It re-checks days already marked, so running it again after the
 * deploy has replaced every function moves any commit an old function wrote meanwhile. The index
 * itself does not change: same name, same key attributes, nothing to deploy for it.
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { upgradeFeedIndex } from '../src/dynamoEventStore';

const { values } = parseArgs({
  options: {
    table: { type: 'string' },
    'feed-shards': { type: 'string' },
    concurrency: { type: 'string', default: '16' },
  },
});
const usage = 'usage: upgradeFeedIndex.ts --table mtd-<stage>-events --feed-shards <1-64> [--concurrency 16]';
if (!values.table || !/^mtd-[a-z]+-events$/.test(values.table)) {
  process.stderr.write(`${usage}\n--table: the stage's event store, mtd-<stage>-events\n`);
  process.exit(2);
}
const shards = Number(values['feed-shards']);
if (!/^\d+$/.test(values['feed-shards'] ?? '') || shards < 1 || shards > 64) {
  process.stderr.write(
    `${usage}\n--feed-shards: the stage's feedShards (infra/lib/stage.ts), an integer from 1 to 64\n`,
  );
  process.exit(2);
}
const upgrade = await upgradeFeedIndex(new DynamoDBClient({}), values.table, {
  feedShards: shards,
  concurrency: Number(values.concurrency),
  recheckMarkedDays: true,
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(
  `${values.table}: ${upgrade.commits} commit(s) moved into their shards on ${upgrade.days.length} day(s)\n`,
);
