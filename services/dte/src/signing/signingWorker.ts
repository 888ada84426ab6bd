// Worker-thread code of the thread signer (threadSigner.ts), run by piscina. The built CLI runs it
// bundled (local/scripts/buildCli.mjs); from source, signingWorker.mjs registers tsx and loads this
// file.
import { osThreadId } from '@mtd/platform/threadCpu';
import { signedDocument, signedEnvelope } from './signedDocuments';

// This thread's id in the operating system, with every answer: the process reads its CPU time.
const thread = osThreadId();

type Task =
  | {
      kind: 'document';
      document: Parameters<typeof signedDocument>[0];
      caf: Parameters<typeof signedDocument>[1];
      credentials: Parameters<typeof signedDocument>[2];
      signedAt: Parameters<typeof signedDocument>[3];
    }
  | {
      kind: 'envelope';
      input: Parameters<typeof signedEnvelope>[0];
      credentials: Parameters<typeof signedEnvelope>[1];
      signedAt: Parameters<typeof signedEnvelope>[2];
    }
  | { kind: 'ready' };

/** One task: stamp and sign a document, sign an envelope, or only say which thread this is. */
export default function sign(task: Task) {
  switch (task.kind) {
    case 'document':
      return { thread, signed: signedDocument(task.document, task.caf, task.credentials, task.signedAt) };
    case 'envelope':
      return { thread, signed: signedEnvelope(task.input, task.credentials, task.signedAt) };
    case 'ready':
      return { thread };
    default:
      throw new Error(`unknown signing task ${JSON.stringify((task as { kind: unknown }).kind)}`);
  }
}
