// Worker-thread entry of the thread signer (threadSigner.ts), run by piscina: the signing code is
// TypeScript run through tsx, like the rest of the local runtime (and like the PDF worker), so the
// thread registers tsx before loading it; the built CLI starts this same file.
import { register } from 'tsx/esm/api';

register();
const { signedDocument, signedEnvelope } = await import('./signedDocuments.ts');
const { osThreadId } = await import('@mtd/platform/threadCpu');

// This thread's id in the operating system, with every answer: the process reads its CPU time.
const thread = osThreadId();

/** One task: stamp and sign a document, sign an envelope, or only say which thread this is. */
export default function sign(task) {
  switch (task.kind) {
    case 'document':
      return { thread, signed: signedDocument(task.document, task.caf, task.credentials, task.signedAt) };
    case 'envelope':
      return { thread, signed: signedEnvelope(task.input, task.credentials, task.signedAt) };
    case 'ready':
      return { thread };
    default:
      throw new Error(`unknown signing task ${JSON.stringify(task.kind)}`);
  }
}
