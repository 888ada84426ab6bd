import { z } from 'zod';
import type { Issuer } from '#domain/dteXml';

/** A deployment setting of the dte Lambdas is missing or cannot be right: synth and cold start refuse it. */
export class DteConfigurationError extends Error {
  override readonly name = 'DteConfigurationError';
  constructor(readonly problems: readonly string[]) {
    super(`dte configuration: ${problems.join('; ')}`);
  }
}

/** Módulo 11 check digit of a RUT body (0-9 or K), as the SII computes it. */
function rutCheckDigit(body: string): string {
  let sum = 0;
  let factor = 2;
  for (const digit of [...body].reverse()) {
    sum += Number(digit) * factor;
    factor = factor === 7 ? 2 : factor + 1;
  }
  const rest = 11 - (sum % 11);
  return rest === 11 ? '0' : rest === 10 ? 'K' : String(rest);
}

/** A RUT as the SII writes it (RUTType `[0-9]+-([0-9]|K)`, ≤ 10 characters) with a right check digit. */
const Rut = z
  .string()
  .regex(/^\d{1,8}-[\dK]$/, 'must be a RUT like 76543210-3 (no dots, upper-case K)')
  .refine((rut) => {
    const [body = '', digit] = rut.split('-');
    return rutCheckDigit(body) === digit;
  }, 'has a wrong check digit (módulo 11)');

const text = (max: number, element: string) =>
  z
    .string()
    .trim()
    .min(1, `is required (${element})`)
    .max(max, `must be at most ${max} characters (the SII's ${element})`);

/**
 * The issuer as the SII knows it, with the limits of DTE_v10.xsd and EnvioBOLETA_v11.xsd (the
 * stricter of the two where they differ). Validated when the stack is synthesised and again at cold
 * start, so a setting the SII would refuse never reaches a document.
 */
export const IssuerSettings = z.object({
  rut: Rut,
  name: text(100, 'RznSoc / RznSocEmisor'),
  giro: text(80, 'GiroEmis / GiroEmisor'),
  acteco: z
    .number()
    .int()
    .min(1, 'must be the SII activity code (Acteco), 1 to 6 digits')
    .max(999_999, 'must be the SII activity code (Acteco), at most 6 digits'),
  address: text(70, 'DirOrigen'),
  comuna: text(20, 'CmnaOrigen'),
  senderRut: Rut,
  resolution: z.object({
    date: z.iso.date('must be the resolution date, YYYY-MM-DD (Carátula FchResol)'),
    number: z
      .number()
      .int()
      .min(0, 'must be the resolution number (Carátula NroResol; 0 in certification)')
      .max(999_999, 'must be at most 6 digits (Carátula NroResol)'),
  }),
}) satisfies z.ZodType<Issuer>;

/** What the dte Lambdas read at cold start besides their AWS resources. */
export interface DteSettings {
  issuer: Issuer;
  /** Warn when this many folios of a type, or fewer, are left. */
  folioLowWater: number;
  /** Warn when the signing certificate expires within this many days. */
  certificateWarningDays: number;
  broadcast: { maxAttempts: number; baseMs: number; maxMs: number };
  /** How long after an upload the SII is asked for its verdict. */
  statusPollMs: number;
}

const positive = (what: string) => z.number().int().positive(`${what} must be a positive whole number`);

export const DteSettingsSchema = z.object({
  issuer: IssuerSettings,
  folioLowWater: positive('folioLowWater'),
  certificateWarningDays: positive('certificateWarningDays'),
  broadcast: z
    .object({
      maxAttempts: positive('broadcast.maxAttempts'),
      baseMs: positive('broadcast.baseMs'),
      maxMs: positive('broadcast.maxMs'),
    })
    .refine((b) => b.baseMs <= b.maxMs, 'broadcast.baseMs must not exceed broadcast.maxMs'),
  statusPollMs: positive('statusPollMs'),
}) satisfies z.ZodType<DteSettings>;

function problemsOf(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => `${prefix}${issue.path.join('.') || '(settings)'} ${issue.message}`);
}

/** Validates a stage's dte settings (infra calls it at synth); throws with every problem at once. */
export function validDteSettings(settings: unknown): DteSettings {
  const parsed = DteSettingsSchema.safeParse(settings);
  if (!parsed.success) throw new DteConfigurationError(problemsOf(parsed.error));
  return parsed.data;
}

/** The Lambda environment variables that carry each setting, and the AWS resources beside them. */
export const dteEnvironmentVariables = {
  eventStoreTable: 'EVENT_STORE_TABLE',
  folioTable: 'FOLIO_TABLE',
  /** A claim per upload to the tax authority (platform `EffectClaims`, Powertools Idempotency). */
  effectClaimsTable: 'EFFECT_CLAIMS_TABLE',
  taxAuthorityUrl: 'TAX_AUTHORITY_URL',
  /** `{ privateKeyPem, certificatePem }`: the issuer's certificate; it signs documents and buys SII tokens. */
  certificateSecretArn: 'CERTIFICATE_SECRET_ARN',
  /** `{ cafs: [CAF file text, …] }`: the CAFs the SII issued (each holds its folio range's private key). */
  cafSecretArn: 'CAF_SECRET_ARN',
  settings: 'DTE_SETTINGS',
} as const;

/**
 * The environment of every dte Lambda: resource names plus the settings as one JSON value (one
 * variable instead of a dozen, validated as a whole; Lambda allows 4 KB of environment in total).
 */
export function dteEnvironment(resources: {
  eventStoreTable: string;
  folioTable: string;
  effectClaimsTable: string;
  taxAuthorityUrl: string;
  certificateSecretArn: string;
  cafSecretArn: string;
  settings: DteSettings;
}): Record<string, string> {
  const v = dteEnvironmentVariables;
  return {
    [v.eventStoreTable]: resources.eventStoreTable,
    [v.folioTable]: resources.folioTable,
    [v.effectClaimsTable]: resources.effectClaimsTable,
    [v.taxAuthorityUrl]: resources.taxAuthorityUrl,
    [v.certificateSecretArn]: resources.certificateSecretArn,
    [v.cafSecretArn]: resources.cafSecretArn,
    [v.settings]: JSON.stringify(validDteSettings(resources.settings)),
  };
}

/** What a dte Lambda's composition root needs, read and validated from its environment at cold start. */
export interface DteLambdaConfig {
  eventStoreTable: string;
  folioTable: string;
  effectClaimsTable: string;
  taxAuthorityUrl: string;
  certificateSecretArn: string;
  cafSecretArn: string;
  settings: DteSettings;
}

/** Reads the environment `dteEnvironment` wrote; every missing or wrong value is named at once. */
export function dteConfigFromEnv(env: NodeJS.ProcessEnv): DteLambdaConfig {
  const v = dteEnvironmentVariables;
  const problems: string[] = [];
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') problems.push(`${name} is not set: the stack must pass it`);
    return value ?? '';
  };
  const resources = {
    eventStoreTable: required(v.eventStoreTable),
    folioTable: required(v.folioTable),
    effectClaimsTable: required(v.effectClaimsTable),
    taxAuthorityUrl: required(v.taxAuthorityUrl),
    certificateSecretArn: required(v.certificateSecretArn),
    cafSecretArn: required(v.cafSecretArn),
  };
  const raw = required(v.settings);
  let settings: DteSettings | undefined;
  if (raw) {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      problems.push(`${v.settings} is not JSON`);
    }
    if (json !== undefined) {
      const parsed = DteSettingsSchema.safeParse(json);
      if (parsed.success) settings = parsed.data;
      else problems.push(...problemsOf(parsed.error, `${v.settings}: `));
    }
  }
  if (problems.length > 0 || !settings) throw new DteConfigurationError(problems);
  return { ...resources, settings };
}
