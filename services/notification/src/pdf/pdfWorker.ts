// Worker-thread code of the PDF renderer (pdfRenderer.ts). The built CLI runs it bundled
// (local/scripts/buildCli.mjs); from source, pdfWorker.mjs registers tsx and loads this file.
import { readlinkSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { DteIssuedV2 } from '@mtd/contracts';
import { renderDtePdf } from './renderDtePdf';

const port = parentPort!;
// This thread's id in the operating system (Linux: /proc/thread-self links to <pid>/task/<tid>), so
// the process can read the renderer's own CPU time (DtePdfRenderer.threads).
try {
  port.postMessage({ thread: Number(readlinkSync('/proc/thread-self').split('/').pop()) });
} catch {
  // No /proc: the renderer's CPU is not told apart.
}

// One render of the catalogue's example before saying ready: a cold thread's first render (compiling
// the renderer, setting up the fonts and the barcode encoder) took ~7 times the next one's, and would
// otherwise be the first order's. A failure here only leaves the thread cold.
try {
  await renderDtePdf(DteIssuedV2.example);
} catch {
  // Rendering real documents reports its own errors.
}
// Loaded: a renderer that was warmed up is ready (DtePdfRenderer.warmUp).
port.postMessage({ ready: true });

port.on('message', async ({ id, dte }: { id: number; dte: DteIssuedV2 }) => {
  try {
    const pdf = await renderDtePdf(dte);
    port.postMessage({ id, pdf }, [pdf.buffer as ArrayBuffer]);
  } catch (error) {
    port.postMessage({
      id,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  }
});
