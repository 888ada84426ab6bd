/**
 * Writes the JSON Schema snapshot of every event version that has none yet
 * (`contracts/schemas/<detailType>/v<N>.json`). Published snapshots are immutable: one that no
 * longer matches its contract is never overwritten; its diff is printed and the exit code is 1.
 *
 *   npm run schemas:write -w @mtd/contracts
 */
import { relative } from 'node:path';
import { eventDefinitions } from '../src/catalogue';
import { defaultSnapshotDir, writeMissingSnapshots } from '../src/schemaSnapshots';

const { written, unchanged, conflicts } = writeMissingSnapshots({
  definitions: eventDefinitions,
  snapshotDir: defaultSnapshotDir,
});
const shown = (path: string) => relative(process.cwd(), path) || path;
for (const path of written) console.log(`wrote ${shown(path)}`);
for (const conflict of conflicts) {
  console.error(
    `\n${conflict.detailType} v${conflict.version} is published and its contract no longer matches ${shown(conflict.path)}` +
      ' (published versions are immutable: restore the contract, or publish a new version with an upcaster):\n' +
      conflict.diff,
  );
}
console.log(
  `schemas:write: ${written.length} written, ${unchanged.length} unchanged, ${conflicts.length} refused`,
);
process.exitCode = conflicts.length > 0 ? 1 : 0;
