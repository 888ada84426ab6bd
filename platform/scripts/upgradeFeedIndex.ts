/**
 * One-off upgrade of a deployed stage's event store to the sharded feed index (docs/decisions.md,
 * 2026-12-04 "The feed index can be sharded"): moves every commit still in its day's one old partition
 * into its shard and marks the day. Run it once after deploying the code that shards the feed, with
 * credentials that may Query and UpdateItem on the table (an operator's, not a service's: the
 * services' roles may only write their own streams):
 *
 *   AWS_PROFILE=… AWS_REGION=… npx tsx platform/scripts/upgradeFeedIndex.ts --table mtd-<stage>-events
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
  options: { table: { type: 'string' }, concurrency: { type: 'string', default: '16' } },
});
if (!values.table || !/^mtd-[a-z]+-events$/.test(values.table)) {
  process.stderr.write('usage: upgradeFeedIndex.ts --table mtd-<stage>-events [--concurrency 16]\n');
  process.exit(2);
}
const upgrade = await upgradeFeedIndex(new DynamoDBClient({}), values.table, {
  concurrency: Number(values.concurrency),
  recheckMarkedDays: true,
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(
  `${values.table}: ${upgrade.commits} commit(s) moved into their shards on ${upgrade.days.length} day(s)\n`,
);
