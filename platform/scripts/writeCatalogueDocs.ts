/**
 * Writes contracts/docs/asyncapi.json and contracts/docs/catalogue.md from the contracts.
 * `--check` writes nothing: it exits 1 naming each stale file (what CI runs).
 *
 *   npm run docs:write -w @mtd/platform            # regenerate
 *   npm run docs:write -w @mtd/platform -- --check # verify
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import {
  catalogueDocFileNames,
  catalogueDocsDirectory,
  findStaleCatalogueDocs,
  renderCatalogueDocs,
} from '../src/catalogueDocs';

const check = process.argv.includes('--check');
const files = renderCatalogueDocs();
const stale = await findStaleCatalogueDocs(catalogueDocsDirectory, files);
const shown = (file: string) => relative(process.cwd(), join(catalogueDocsDirectory, file));

if (check) {
  if (stale.length > 0) {
    for (const file of stale)
      console.error(`${shown(file)} is stale: run \`npm run docs:write -w @mtd/platform\``);
    process.exit(1);
  }
  console.log(`catalogue docs are up to date (${catalogueDocFileNames.map(shown).join(', ')})`);
} else {
  await mkdir(catalogueDocsDirectory, { recursive: true });
  for (const file of catalogueDocFileNames) await writeFile(join(catalogueDocsDirectory, file), files[file]);
  console.log(
    stale.length === 0 ? 'catalogue docs were already up to date' : `wrote ${stale.map(shown).join(', ')}`,
  );
}
