import { z } from 'zod';
import {
  type BroadcastRetryPolicy,
  defaultBroadcastRetry,
  defaultSlaDeadlines,
  type SlaDeadlines,
  type SlaPolicy,
} from '#domain/sla';

/** A duration in whole milliseconds, at least one. */
const Millis = z.number().int().positive();

/** Deadlines by stage, in ms after acceptance; stages left out keep their default. Unknown stages are refused. */
export const SlaDeadlinesConfig = z.strictObject({
  'dte-issuance': Millis.optional(),
  'dte-broadcast': Millis.optional(),
  notification: Millis.optional(),
});

/** The dte service's broadcast retry policy as configured there; fields left out keep their default. */
export const BroadcastRetryConfig = z.strictObject({
  maxAttempts: z.number().int().min(1).optional(),
  baseMs: z.number().int().min(0).optional(),
  maxMs: z.number().int().min(0).optional(),
  attemptTimeoutMs: z.number().int().min(0).optional(),
});

export const SlaConfig = z.strictObject({
  deadlines: SlaDeadlinesConfig.optional(),
  broadcastRetry: BroadcastRetryConfig.optional(),
});
export type SlaConfig = z.input<typeof SlaConfig>;

/** The SLA configuration is not usable; the message names every bad field and where it came from. */
export class InvalidSlaConfigError extends Error {
  override readonly name = 'InvalidSlaConfigError';
  constructor(origin: string, issues: string, options?: { cause?: unknown }) {
    super(`invalid SLA configuration in ${origin}: ${issues}`, options);
  }
}

/**
 * Validates a (partial) SLA configuration and fills it with the defaults. Throws
 * {@link InvalidSlaConfigError} naming every bad field: a typo in a stage name or a deadline of
 * `"5m"` fails at start, never as a silent default.
 *
 * @example slaPolicyOf({ deadlines: { 'dte-issuance': 120_000 } }) // other deadlines and the retry policy: defaults
 */
export function slaPolicyOf(config: unknown, origin = 'the SLA options'): SlaPolicy {
  const parsed = SlaConfig.safeParse(config ?? {});
  if (!parsed.success) throw new InvalidSlaConfigError(origin, z.prettifyError(parsed.error));
  return {
    deadlines: withDefaults<SlaDeadlines>(defaultSlaDeadlines, parsed.data.deadlines),
    broadcastRetry: withDefaults<BroadcastRetryPolicy>(defaultBroadcastRetry, parsed.data.broadcastRetry),
  };
}

function withDefaults<T extends object>(defaults: T, given: Partial<T> | undefined): T {
  const out = { ...defaults };
  for (const [key, value] of Object.entries(given ?? {}) as [keyof T, T[keyof T] | undefined][]) {
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/**
 * The SLA policy from a Lambda's environment:
 * - `SLA_DEADLINES_JSON`, e.g. `{"dte-issuance":300000,"dte-broadcast":900000,"notification":900000}`
 *   (ms after acceptance; stages left out keep their default);
 * - `SLA_BROADCAST_RETRY_JSON`, e.g. `{"maxAttempts":5,"baseMs":2000,"maxMs":300000,"attemptTimeoutMs":5000}`,
 *   which must mirror the dte Lambda's BROADCAST_* settings.
 * Both optional; present but malformed is an {@link InvalidSlaConfigError}.
 */
export function slaPolicyFromEnvironment(env: Readonly<Record<string, string | undefined>>): SlaPolicy {
  return slaPolicyOf(
    {
      deadlines: jsonVariable(env, 'SLA_DEADLINES_JSON'),
      broadcastRetry: jsonVariable(env, 'SLA_BROADCAST_RETRY_JSON'),
    },
    'SLA_DEADLINES_JSON / SLA_BROADCAST_RETRY_JSON',
  );
}

function jsonVariable(env: Readonly<Record<string, string | undefined>>, name: string): unknown {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new InvalidSlaConfigError(name, `not JSON: ${(error as Error).message}`, { cause: error });
  }
}
