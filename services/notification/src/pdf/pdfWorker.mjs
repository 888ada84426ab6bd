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
// One render of the catalogue's example before saying ready: a cold thread's first render (compiling
// the renderer, setting up the fonts and the barcode encoder) took ~7 times the next one's, and would
// otherwise be the first order's. A failure here only leaves the thread cold.
try {
  const { DteIssuedV2 } = await import('@mtd/contracts');
  await renderDtePdf(DteIssuedV2.example);
} catch {
  // Rendering real documents reports its own errors.
}
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
