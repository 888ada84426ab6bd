// Worker-thread entry of the PDF renderer (pdfRenderer.ts): the rendering code is TypeScript run
// through tsx, like the rest of the local runtime, so the worker registers tsx before loading it.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { renderDtePdf } = await import('./renderDtePdf.ts');

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
