import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { EventPattern } from '@mtd/contracts';
import { InvalidEventPatternError, matchesPattern, parseEventPattern } from '@mtd/platform';

/** An event as EventBridge delivers it to a target. */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

export interface BusRule {
  name: string;
  busName: string;
  pattern: EventPattern;
  targets: string[];
}

/**
 * The AWS JSON services the harness emulates itself, on one loopback endpoint:
 * - EventBridge: PutEvents (≤ 10 entries, each ≤ 256 KB, per-entry ErrorCode and FailedEntryCount),
 *   PutRule (validated as EventBridge validates a pattern) and TestEventPattern, matching with the
 *   platform's matcher; each accepted entry goes to `deliver` for every rule of its bus that matches.
 * - Secrets Manager: GetSecretValue of the secrets put in `secrets`.
 * - CloudWatch: GetMetricData, answering each query with one datapoint from `metricValue`.
 */
export async function startLocalAws(options: {
  account: string;
  region: string;
  rules: BusRule[];
  deliver: (event: BusEvent, rule: BusRule) => Promise<void>;
  secrets: Map<string, string>;
  metricValue: (query: Record<string, unknown>) => number | undefined;
  clock: () => Date;
}): Promise<{
  endpoint: string;
  /** Entries accepted by PutEvents, in order. */
  accepted: BusEvent[];
  /** Entries PutEvents answered with an ErrorCode (injected or invalid). */
  failedEntries(): number;
  /** The next PutEvents call fails the entries at these positions with InternalFailure. */
  failNextPutEvents(positions: number[]): void;
  close(): Promise<void>;
}> {
  const accepted: BusEvent[] = [];
  let failNext: number[] = [];
  let failedEntries = 0;
  const error = (status: number, type: string, message: string) => ({
    status,
    body: { __type: type, message },
  });

  async function handle(
    target: string,
    body: Record<string, unknown>,
  ): Promise<{ status: number; body: unknown }> {
    switch (target) {
      case 'AWSEvents.PutEvents': {
        const entries = (body.Entries ?? []) as Record<string, unknown>[];
        if (entries.length < 1 || entries.length > 10)
          return error(
            400,
            'ValidationException',
            `Entries holds ${entries.length} entries; 1 to 10 are allowed`,
          );
        const failing = new Set(failNext);
        failNext = [];
        const results: Record<string, unknown>[] = [];
        for (const [position, entry] of entries.entries()) {
          if (failing.has(position)) {
            results.push({ ErrorCode: 'InternalFailure', ErrorMessage: 'injected by the test' });
            continue;
          }
          const size = Buffer.byteLength(JSON.stringify(entry));
          if (size > 256 * 1024) {
            results.push({ ErrorCode: 'ValidationException', ErrorMessage: 'entry over 256 KB' });
            continue;
          }
          let detail: unknown;
          try {
            detail = JSON.parse(String(entry.Detail));
          } catch {
            results.push({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is not valid JSON' });
            continue;
          }
          const event: BusEvent = {
            version: '0',
            id: randomUUID(),
            'detail-type': String(entry.DetailType),
            source: String(entry.Source),
            account: options.account,
            // The JSON protocol sends timestamps as epoch seconds.
            time: (typeof entry.Time === 'number' ? new Date(entry.Time * 1000) : options.clock())
              .toISOString()
              .replace(/\.\d{3}Z$/, 'Z'),
            region: options.region,
            resources: (entry.Resources ?? []) as string[],
            detail,
          };
          const busName =
            String(entry.EventBusName ?? 'default')
              .split('/')
              .at(-1) ?? 'default';
          accepted.push(event);
          for (const rule of options.rules)
            if (rule.busName === busName && matchesPattern(rule.pattern, event))
              await options.deliver(event, rule);
          results.push({ EventId: event.id });
        }
        const failedEntryCount = results.filter((result) => result.ErrorCode).length;
        failedEntries += failedEntryCount;
        return { status: 200, body: { FailedEntryCount: failedEntryCount, Entries: results } };
      }
      case 'AWSEvents.PutRule': {
        const name = String(body.Name);
        try {
          // As EventBridge reads it: the text as sent (its length, its number literals), then the pattern.
          const pattern = parseEventPattern(String(body.EventPattern));
          const busName = String(body.EventBusName ?? 'default');
          const existing = options.rules.findIndex((rule) => rule.name === name && rule.busName === busName);
          const rule = {
            name,
            busName,
            pattern,
            targets: existing >= 0 ? (options.rules[existing]?.targets ?? []) : [],
          };
          if (existing >= 0) options.rules[existing] = rule;
          else options.rules.push(rule);
          return {
            status: 200,
            body: {
              RuleArn: `arn:aws:events:${options.region}:${options.account}:rule/${busName === 'default' ? '' : `${busName}/`}${name}`,
            },
          };
        } catch (cause) {
          return error(
            400,
            'InvalidEventPatternException',
            cause instanceof InvalidEventPatternError ? cause.message : String(cause),
          );
        }
      }
      case 'AWSEvents.TestEventPattern': {
        try {
          const pattern = parseEventPattern(String(body.EventPattern));
          return { status: 200, body: { Result: matchesPattern(pattern, JSON.parse(String(body.Event))) } };
        } catch (cause) {
          return error(
            400,
            'InvalidEventPatternException',
            cause instanceof InvalidEventPatternError ? cause.message : String(cause),
          );
        }
      }
      case 'secretsmanager.GetSecretValue': {
        const id = String(body.SecretId);
        const value = options.secrets.get(id);
        if (value === undefined)
          return error(400, 'ResourceNotFoundException', `Secrets Manager can't find the secret ${id}`);
        return {
          status: 200,
          body: {
            ARN: id,
            Name: id.split(':').at(-1),
            SecretString: value,
            VersionId: 'emulated',
            VersionStages: ['AWSCURRENT'],
          },
        };
      }
      case 'GraniteServiceVersion20100801.GetMetricData': {
        const queries = (body.MetricDataQueries ?? []) as Record<string, unknown>[];
        const at = options.clock().toISOString();
        return {
          status: 200,
          body: {
            MetricDataResults: queries.map((query) => {
              const value = options.metricValue(query);
              return {
                Id: query.Id,
                StatusCode: 'Complete',
                Timestamps: value === undefined ? [] : [Date.parse(at) / 1000],
                Values: value === undefined ? [] : [value],
              };
            }),
          },
        };
      }
      default:
        return error(400, 'UnknownOperationException', `${target} is not emulated`);
    }
  }

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const result = await handle(String(req.headers['x-amz-target']), text ? JSON.parse(text) : {}).catch(
      (cause: unknown) => error(500, 'InternalFailure', String(cause)),
    );
    const payload = JSON.stringify(result.body);
    res.writeHead(result.status, {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': Buffer.byteLength(payload),
    });
    res.end(payload);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    accepted,
    failedEntries: () => failedEntries,
    failNextPutEvents: (positions) => {
      failNext = positions;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
