// Worker-thread code of the local SII simulator (taxAuthoritySimulatorThread.ts). The built CLI runs
// it bundled (local/scripts/buildCli.mjs); from source, taxAuthoritySimulatorWorker.mjs registers tsx
// and loads this file.
import { parentPort, workerData } from 'node:worker_threads';
import { osThreadId } from '@mtd/platform/threadCpu';
import { startTaxAuthoritySimulator, type TaxAuthoritySimulator } from './taxAuthoritySimulator';

type Operation = 'issueCaf' | 'setFailureRate' | 'warmUp' | 'close';

const port = parentPort!;
// This thread's id in the operating system, so the process can read the simulator's own CPU time.
const thread = osThreadId();
let simulator: TaxAuthoritySimulator;
try {
  simulator = await startTaxAuthoritySimulator(workerData);
} catch (error) {
  port.postMessage({
    startFailed: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  process.exit(1);
}
port.postMessage({ started: { url: simulator.url, ...(thread === undefined ? {} : { thread }) } });

const operations: Record<Operation, (argument: never) => unknown> = {
  issueCaf: (request: Parameters<TaxAuthoritySimulator['issueCaf']>[0]) => simulator.issueCaf(request),
  setFailureRate: (rate: number) => simulator.setFailureRate(rate),
  warmUp: () => simulator.warmUp(),
  // The server and the schemas closed; the runtime then ends this thread.
  close: () => simulator.close(),
};

port.on(
  'message',
  async ({ id, operation, argument }: { id: number; operation: Operation; argument: never }) => {
    try {
      const result = await operations[operation](argument);
      port.postMessage({ id, result });
    } catch (error) {
      port.postMessage({
        id,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    }
  },
);
