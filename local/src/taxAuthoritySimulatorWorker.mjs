// Worker-thread entry of the local SII simulator when run from source (tests; the benches run bundled): its code is
// TypeScript, so the thread registers tsx before loading it. The built CLI starts a bundled build of
// taxAuthoritySimulatorWorker.ts instead, with no tsx in the thread (local/scripts/buildCli.mjs).
import { register } from 'tsx/esm/api';

register();
await import('./taxAuthoritySimulatorWorker.ts');
