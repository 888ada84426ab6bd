// Worker-thread entry of the local SII simulator (taxAuthoritySimulatorThread.ts). The simulator is
// TypeScript run through tsx, like the rest of the local runtime (and like the PDF worker), so the
// thread registers tsx before loading it; the built CLI starts this same file.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { osThreadId } = await import('@mtd/platform/threadCpu');
const { startTaxAuthoritySimulator } = await import('./taxAuthoritySimulator.ts');

// This thread's id in the operating system, so the process can read the simulator's own CPU time.
const thread = osThreadId();
let simulator;
try {
  simulator = await startTaxAuthoritySimulator(workerData);
} catch (error) {
  parentPort.postMessage({
    startFailed: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  process.exit(1);
}
parentPort.postMessage({ started: { url: simulator.url, ...(thread === undefined ? {} : { thread }) } });

const operations = {
  issueCaf: (request) => simulator.issueCaf(request),
  setFailureRate: (rate) => simulator.setFailureRate(rate),
  warmUp: () => simulator.warmUp(),
  // The server and the schemas closed; the runtime then ends this thread.
  close: () => simulator.close(),
};

parentPort.on('message', async ({ id, operation, argument }) => {
  try {
    const result = await operations[operation](argument);
    parentPort.postMessage({ id, result });
  } catch (error) {
    parentPort.postMessage({
      id,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  }
});
