#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-old-space-size=512 --max-semi-space-size=32
// `mtd` runs the compiled CLI (local/dist/mtd.mjs, bundled by esbuild: a call starts in about
// 0.1 s). On a fresh clone, or after a change to any source it was built from, it is built first
// (about 0.3 s), so `npx mtd …` always runs the code in the working tree.
import { ensureCliBuilt } from '../scripts/buildCli.mjs';

await import(await ensureCliBuilt());
