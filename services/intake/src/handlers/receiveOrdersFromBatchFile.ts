import type { RejectionReason } from '@mtd/contracts';
import {
  decodeUtf8,
  maxBatchFileBytes,
  maxOrderBytes,
  OrderDocumentError,
  type OrderFormat,
  type ParsedOrder,
  PayloadTooLargeError,
  parseBatchDocument,
} from '#adapters/orderDocumentParser';
import {
  type IntakeHandlerDeps,
  type OrderOutcome,
  receiveCandidateOrder,
} from '#handlers/receiveCandidateOrder';

export interface BatchFile {
  /** The file name; it also picks the format (`.xml`/`.json`, else sniffed from the content). */
  name: string;
  content: string | Uint8Array;
}

export type BatchOrderOutcome =
  | 'accepted'
  | 'rejected'
  | 'duplicate'
  | 'conflict'
  | 'unidentified'
  | 'refused';

export interface BatchOrderReport {
  /** Position of the order in the file, from 0. */
  index: number;
  orderId?: string;
  outcome: BatchOrderOutcome;
  /** For a duplicate: what the identical order got the first time. */
  duplicateOf?: 'accepted' | 'rejected';
  problems?: RejectionReason[];
}

export interface BatchReport {
  file: string;
  /**
   * `unreadable`: nothing in the file was recorded (not parseable, too large, too many orders, or
   * the file itself could not be read). `failed`: the inbox gave up after processing threw on every
   * attempt (a long store outage); orders recorded before stay recorded.
   */
  status: 'processed' | 'unreadable' | 'failed';
  total: number;
  /** Newly accepted / rejected now; identical resends count as duplicates only. */
  accepted: number;
  rejected: number;
  duplicates: number;
  conflicts: number;
  /** Orders without a usable id: not recorded. */
  unidentified: number;
  /** Orders over the 64 KiB per-order limit, or too big to store: not recorded. */
  refused: number;
  /** Why the whole file could not be read (status `unreadable`). */
  problems?: RejectionReason[];
  orders: BatchOrderReport[];
}

/** Orders of one file written at once: enough to overlap DynamoDB round trips, few enough not to throttle. */
export const batchConcurrency = 8;

/**
 * Records every order of a batch file, each on its own stream: one bad order is rejected alone.
 * A file that cannot be read at all yields an `unreadable` report and records nothing. Store
 * failures throw; re-processing the file is safe because identical resends are no-ops.
 */
export async function receiveOrdersFromBatchFile(
  deps: IntakeHandlerDeps,
  file: BatchFile,
  options: { concurrency?: number } = {},
): Promise<BatchReport> {
  let orders: ParsedOrder[];
  let format: OrderFormat;
  try {
    const bytes =
      typeof file.content === 'string' ? Buffer.byteLength(file.content) : file.content.byteLength;
    if (bytes > maxBatchFileBytes) throw new PayloadTooLargeError('the batch file', maxBatchFileBytes);
    const text = typeof file.content === 'string' ? file.content : decodeUtf8(file.content);
    format = formatOf(file.name, text);
    orders = parseBatchDocument(text, format);
  } catch (error) {
    if (error instanceof OrderDocumentError) return unreadable(file.name, error.problems);
    if (error instanceof PayloadTooLargeError) {
      return unreadable(file.name, [
        { path: '(document)', code: 'file_too_large', message: `${error.message}; split it` },
      ]);
    }
    throw error;
  }
  // One id for this run of the file: every order's events name it as their cause.
  const causationId = deps.ids.next();
  const reports = await mapConcurrently(
    orders,
    options.concurrency ?? batchConcurrency,
    async ({ candidate, raw, problems }, index) => {
      if (Buffer.byteLength(raw) > maxOrderBytes) {
        const orderId = typeof candidate.orderId === 'string' ? candidate.orderId : undefined;
        return orderReport(index, orderId, {
          outcome: 'refused',
          problems: [
            {
              path: '(document)',
              code: 'order_too_large',
              message: `the order is larger than ${maxOrderBytes / 1024} KiB and was not recorded; split it into several orders`,
            },
          ],
        });
      }
      const outcome = await receiveCandidateOrder(deps, {
        candidate,
        problems,
        raw,
        format,
        via: 'batch',
        batch: { file: file.name, index },
        causationId,
      });
      return reportOf(index, outcome);
    },
  );
  const count = (outcome: BatchOrderOutcome) => reports.filter((r) => r.outcome === outcome).length;
  return {
    file: file.name,
    status: 'processed',
    total: reports.length,
    accepted: count('accepted'),
    rejected: count('rejected'),
    duplicates: count('duplicate'),
    conflicts: count('conflict'),
    unidentified: count('unidentified'),
    refused: count('refused'),
    orders: reports,
  };
}

function reportOf(index: number, result: OrderOutcome): BatchOrderReport {
  switch (result.outcome) {
    case 'accepted':
      return result.duplicate
        ? orderReport(index, result.orderId, { outcome: 'duplicate', duplicateOf: 'accepted' })
        : orderReport(index, result.orderId, { outcome: 'accepted' });
    case 'rejected':
      return orderReport(index, result.orderId, {
        outcome: result.duplicate ? 'duplicate' : 'rejected',
        ...(result.duplicate ? { duplicateOf: 'rejected' as const } : {}),
        problems: result.problems,
      });
    case 'conflict':
      return orderReport(index, result.orderId, {
        outcome: 'conflict',
        problems: [{ path: 'orderId', code: 'conflict', message: result.message }],
      });
    case 'unidentified':
      return orderReport(index, undefined, { outcome: 'unidentified', problems: result.problems });
    case 'too_large':
      return orderReport(index, result.orderId, { outcome: 'refused', problems: result.problems });
    default: {
      const unreachable: never = result;
      throw new Error(`unknown outcome ${JSON.stringify(unreachable)}`);
    }
  }
}

function orderReport(
  index: number,
  orderId: string | undefined,
  rest: Omit<BatchOrderReport, 'index' | 'orderId'>,
): BatchOrderReport {
  return { index, ...(orderId === undefined ? {} : { orderId }), ...rest };
}

/** The report of a batch file that could not be read at all: nothing in it was recorded. */
export function unreadable(file: string, problems: RejectionReason[]): BatchReport {
  return {
    file,
    status: 'unreadable',
    total: 0,
    accepted: 0,
    rejected: 0,
    duplicates: 0,
    conflicts: 0,
    unidentified: 0,
    refused: 0,
    problems,
    orders: [],
  };
}

function formatOf(name: string, text: string): OrderFormat {
  const lower = name.toLowerCase();
  if (lower.endsWith('.xml')) return 'xml';
  if (lower.endsWith('.json')) return 'json';
  return text.trimStart().startsWith('<') ? 'xml' : 'json';
}

/** Like Promise.all over `items.map(fn)`, with at most `limit` calls in flight; results keep input order. */
async function mapConcurrently<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
