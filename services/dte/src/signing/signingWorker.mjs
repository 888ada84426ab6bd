// Worker-thread entry of the thread signer when run from source (tests; the benches run bundled), run by piscina: its
// code is TypeScript, so the thread registers tsx before loading it. The built CLI starts a bundled
// build of signingWorker.ts instead, with no tsx in the thread (local/scripts/buildCli.mjs).
import { register } from 'tsx/esm/api';

register();
const { default: sign } = await import('./signingWorker.ts');
export default sign;
