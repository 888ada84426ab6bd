// Worker-thread entry of the PDF renderer (pdfRenderer.ts): the rendering code is TypeScript run
// through tsx, like the rest of the local runtime, so the worker registers tsx before loading it.
import { readlinkSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

// This thread's id in the operating system (Linux: /proc/thread-self links to <pid>/task/<tid>), so
// the process can read the renderer's own CPU time (DtePdfRenderer.threads).
try {
  parentPort.postMessage({ thread: Number(readlinkSync('/proc/thread-self').split('/').pop()) });
} catch {
  // No /proc: the renderer's CPU is not told apart.
}

register();
const { renderDtePdf } = await import('./renderDtePdf.ts');
// Loaded: a renderer that was warmed up is ready (DtePdfRenderer.warmUp).
parentPort.postMessage({ ready: true });

parentPort.on('message', async ({ id, dte }) => {
  try {
    const pdf = await renderDtePdf(dte);
    parentPort.postMessage({ id, pdf }, [pdf.buffer]);
  } catch (error) {
    parentPort.postMessage({
      id,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  }
});
