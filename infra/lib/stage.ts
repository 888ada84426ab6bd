import { defaultPartnerUsagePlan, type PartnerUsagePlan } from '@mtd/intake';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';

export const stages = ['dev', 'qa', 'prod'] as const;
export type StageName = (typeof stages)[number];

/** The log retentions CloudWatch Logs accepts (days), as CDK's enum lists them. */
const logRetentionDays = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number');

const hostname = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'a lower-case DNS domain');

/**
 * The raw parameters of one stage, as written below: plain values, so a reviewer sees a stage at a
 * glance and `stageSettings` can validate every one of them before anything is synthesised.
 */
export const stageConfigSchema = z
  .strictObject({
    stage: z.enum(stages),
    /** Off only where a developer must be able to tear the stage down. */
    deletionProtection: z.boolean(),
    /** Keep tables, queues, buckets and logs when the stack is deleted. */
    retainData: z.boolean(),
    logRetentionDays: z
      .number()
      .refine((d) => logRetentionDays.includes(d), `one of ${logRetentionDays.join(', ')}`),
    /** How long the bus archive keeps events for replay. */
    archiveRetentionDays: z.int().min(1).max(3650),
    /**
     * Partners of the intake API: one API key and one usage plan each (rate, burst, daily quota),
     * the shape `mtd partners add --rate --burst --quota` gives a partner of the local runtime. The
     * stage's own throttle is the sum of the plans.
     */
    intakeClients: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[a-z][a-z0-9-]{1,30}$/, 'lower-case, 2-31 chars'),
          usagePlan: z
            .strictObject({
              rateLimit: z.int().positive(),
              burstLimit: z.int().positive(),
              quotaPerDay: z.int().positive().optional(),
            })
            .refine((t) => t.burstLimit >= t.rateLimit, 'burstLimit must be at least rateLimit'),
        }),
      )
      .min(1)
      .refine((cs) => new Set(cs.map((c) => c.name)).size === cs.length, 'client names must be unique'),
    /** Oldest message in a subscription queue older than this → alarm. */
    maxMessageAgeMinutes: z
      .int()
      .min(1)
      .max(24 * 60),
    /** Lambda errors per 5 minutes that raise the alarm (≥). */
    lambdaErrorsThreshold: z.int().min(1),
    /** Outbox publisher: retries of a failing stream batch before it goes to the outbox DLQ (Lambda allows ≤ 10,000). */
    outboxRetryAttempts: z.int().min(0).max(10_000),
    /** The tax authority's DTE reception endpoint (SII: maullin = certification, palena = production). */
    taxAuthorityUrl: z.url({ protocol: /^https$/, hostname: z.regexes.domain }),
    /** The SES identity (a domain, declared by the notification stack) and the sender address on it. */
    emailDomain: hostname,
    emailFrom: z.string().regex(/^[^<>]+ <[^@\s<>]+@[^@\s<>]+>$/, 'like: Name <address@domain>'),
    /** Where early warnings (OrderAtRisk) are emailed. */
    operationsEmail: z.email(),
    /** The early-warning check's cadence (an EventBridge Scheduler expression). */
    earlyWarningSchedule: z.string().regex(/^(rate\(\d+ (minute|minutes|hour|hours)\)|cron\(.+\))$/),
    /** Who is told when an alarm of this stage fires: the alarm topics' email subscriptions. */
    alarmEmails: z.array(z.email()),
    /** The intake API: 5XX answers per 5 minutes that raise the alarm (≥). */
    api5xxThreshold: z.int().min(1),
    /** The intake API: p99 latency (ms) above which, for 3 minutes in a row, the alarm fires. */
    apiLatencyP99Ms: z.int().min(50).max(29_000),
    /**
     * Shards of the event store's `feed` index for each new day (`<day>#<shard>`), passed to every
     * function that appends as `FEED_SHARDS`. A partition takes about 1,000 WCU/s and the feed one
     * write per commit: see docs/capacity.md. Each day keeps the count its marker recorded, so a
     * change applies from the next day a function opens, with nothing to migrate.
     */
    feedShards: z.int().min(1).max(64),
    /**
     * Only while a stage deployed before 2026-12-05 switches its order indexes to keys-only ones
     * (infra/README, "Order indexes"): 1, 2 and 3 on three deploys in a row, then removed.
     * CloudFormation adds or removes one index per table update, so each step differs from the one
     * before by one index. Absent: the final indexes (a new stage starts there).
     */
    orderIndexSwitchStep: z.int().min(1).max(3).optional(),
  })
  .superRefine((config, ctx) => {
    const address = /<([^>]+)>$/.exec(config.emailFrom)?.[1];
    if (address && !address.endsWith(`@${config.emailDomain}`))
      ctx.addIssue({
        code: 'custom',
        path: ['emailFrom'],
        message: `the sender must be on the SES identity ${config.emailDomain} (SES refuses other senders)`,
      });
    if (config.stage !== 'dev' && !(config.deletionProtection && config.retainData))
      ctx.addIssue({
        code: 'custom',
        path: ['retainData'],
        message: 'only dev may be deleted with its data: qa and prod need deletionProtection and retainData',
      });
    if (config.stage === 'prod' && config.alarmEmails.length === 0)
      ctx.addIssue({ code: 'custom', path: ['alarmEmails'], message: 'prod alarms must reach someone' });
  });

export type StageConfig = z.input<typeof stageConfigSchema>;

/** Everything that differs between stages, validated and in the types CDK takes. */
export interface StageSettings {
  readonly stage: StageName;
  readonly deletionProtection: boolean;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: RetentionDays;
  readonly archiveRetention: Duration;
  readonly intakeClients: readonly { readonly name: string; readonly usagePlan: PartnerUsagePlan }[];
  readonly maxMessageAge: Duration;
  readonly lambdaErrorsThreshold: number;
  readonly outboxRetryAttempts: number;
  readonly taxAuthorityUrl: string;
  readonly emailDomain: string;
  readonly emailFrom: string;
  readonly operationsEmail: string;
  readonly earlyWarningSchedule: string;
  readonly alarmEmails: readonly string[];
  readonly api5xxThreshold: number;
  readonly apiLatencyP99: Duration;
  readonly feedShards: number;
  readonly orderIndexSwitchStep: number | undefined;
}

/**
 * Seed load: 500 orders/min at peak ≈ 8.3 requests/s; each partner gets that with headroom (10/s,
 * `defaultPartnerUsagePlan`, which dev and the local runtime use as is). Bursts grow with the stage
 * (a partner's retry storm after an outage); daily quotas stop a runaway client within the day: dev
 * 20,000 (40 min at peak), qa 100,000 (a load test), prod 300,000 (10 h at peak per partner).
 */
const partnersWith = (usagePlan: PartnerUsagePlan): StageConfig['intakeClients'] => [
  { name: 'web', usagePlan },
  { name: 'marketplace', usagePlan },
];

const common = {
  earlyWarningSchedule: 'rate(5 minutes)',
  // 4 partitions per day: the feed takes ≈ 230 WRU/s at the seeds' peak and ≈ 2,300 at 10×, i.e.
  // ≈ 575 per partition, under DynamoDB's 1,000 WCU/s per partition (docs/capacity.md). The same in
  // dev, so dev and the emulated-cloud tier (which synthesises dev) run the sharded reader prod runs.
  feedShards: 4,
} satisfies Partial<StageConfig>;

/** The stages' parameters. Change them here; `stageSettings` refuses a bad one at synth. */
export const stageConfigs: Record<StageName, StageConfig> = {
  dev: {
    ...common,
    stage: 'dev',
    deletionProtection: false,
    retainData: false,
    logRetentionDays: 7,
    archiveRetentionDays: 7,
    intakeClients: partnersWith(defaultPartnerUsagePlan),
    maxMessageAgeMinutes: 30,
    lambdaErrorsThreshold: 5,
    outboxRetryAttempts: 5,
    taxAuthorityUrl: 'https://maullin.sii.cl/cgi_dte/UPL/DTEUpload',
    emailDomain: 'dev.mtd.example.cl',
    emailFrom: 'MTD Boletas (dev) <boletas@dev.mtd.example.cl>',
    operationsEmail: 'operaciones-dev@mtd.example.cl',
    alarmEmails: [],
    api5xxThreshold: 10,
    apiLatencyP99Ms: 3_000,
  },
  qa: {
    ...common,
    stage: 'qa',
    deletionProtection: true,
    retainData: true,
    logRetentionDays: 30,
    archiveRetentionDays: 30,
    intakeClients: partnersWith({ rateLimit: 10, burstLimit: 50, quotaPerDay: 100_000 }),
    maxMessageAgeMinutes: 15,
    lambdaErrorsThreshold: 3,
    outboxRetryAttempts: 10,
    taxAuthorityUrl: 'https://maullin.sii.cl/cgi_dte/UPL/DTEUpload',
    emailDomain: 'qa.mtd.example.cl',
    emailFrom: 'MTD Boletas (qa) <boletas@qa.mtd.example.cl>',
    operationsEmail: 'operaciones-qa@mtd.example.cl',
    alarmEmails: ['plataforma-qa@mtd.example.cl'],
    api5xxThreshold: 5,
    apiLatencyP99Ms: 2_000,
  },
  prod: {
    ...common,
    stage: 'prod',
    deletionProtection: true,
    retainData: true,
    logRetentionDays: 365,
    archiveRetentionDays: 365,
    intakeClients: partnersWith({ rateLimit: 10, burstLimit: 100, quotaPerDay: 300_000 }),
    maxMessageAgeMinutes: 5,
    lambdaErrorsThreshold: 1,
    outboxRetryAttempts: 20,
    taxAuthorityUrl: 'https://palena.sii.cl/cgi_dte/UPL/DTEUpload',
    emailDomain: 'mtd.example.cl',
    emailFrom: 'MTD Boletas <boletas@mtd.example.cl>',
    operationsEmail: 'operaciones@mtd.example.cl',
    alarmEmails: ['guardia@mtd.example.cl', 'plataforma@mtd.example.cl'],
    api5xxThreshold: 1,
    apiLatencyP99Ms: 1_000,
  },
};

/** A stage's parameters failed validation; the message names every bad field of that stage. */
export class InvalidStageConfigError extends Error {
  override readonly name = 'InvalidStageConfigError';
}

export function isStageName(value: unknown): value is StageName {
  return typeof value === 'string' && (stages as readonly string[]).includes(value);
}

/** Validates one stage's raw parameters and turns them into CDK types; throws naming every problem. */
export function parseStageConfig(raw: unknown, where = 'stage config'): StageSettings {
  const parsed = stageConfigSchema.safeParse(raw);
  if (!parsed.success)
    throw new InvalidStageConfigError(
      `${where} is invalid:\n${parsed.error.issues
        .map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`)
        .join('\n')}`,
      { cause: parsed.error },
    );
  const c = parsed.data;
  return {
    stage: c.stage,
    deletionProtection: c.deletionProtection,
    removalPolicy: c.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    logRetention: c.logRetentionDays as RetentionDays,
    archiveRetention: Duration.days(c.archiveRetentionDays),
    intakeClients: c.intakeClients,
    maxMessageAge: Duration.minutes(c.maxMessageAgeMinutes),
    lambdaErrorsThreshold: c.lambdaErrorsThreshold,
    outboxRetryAttempts: c.outboxRetryAttempts,
    taxAuthorityUrl: c.taxAuthorityUrl,
    emailDomain: c.emailDomain,
    emailFrom: c.emailFrom,
    operationsEmail: c.operationsEmail,
    earlyWarningSchedule: c.earlyWarningSchedule,
    alarmEmails: c.alarmEmails,
    api5xxThreshold: c.api5xxThreshold,
    apiLatencyP99: Duration.millis(c.apiLatencyP99Ms),
    feedShards: c.feedShards,
    orderIndexSwitchStep: c.orderIndexSwitchStep,
  };
}

/** The settings of a stage; throws on an unknown stage (a typo never deploys a default) or a bad one. */
export function stageSettings(
  stage: unknown = 'dev',
  configs: Record<string, unknown> = stageConfigs,
): StageSettings {
  if (!isStageName(stage))
    throw new RangeError(`unknown stage ${JSON.stringify(stage)}: use ${stages.join(', ')}`);
  const raw = configs[stage];
  if (raw === undefined) throw new InvalidStageConfigError(`stage ${stage} has no parameters`);
  const settings = parseStageConfig(raw, `stage ${stage} (infra/lib/stage.ts)`);
  if (settings.stage !== stage)
    throw new InvalidStageConfigError(
      `stage ${stage} (infra/lib/stage.ts) is invalid:\n  stage: says ${settings.stage}`,
    );
  return settings;
}

/** `mtd-<stage>-<parts…>`: every stack and named resource of a stage. */
export function resourceName(stage: StageName, ...parts: string[]): string {
  return ['mtd', stage, ...parts].join('-');
}

/**
 * The outbox publisher's function name: the platform stack names it, and the projection's SLA watcher
 * reads its IteratorAge metric (part of the projection's watermark) by it.
 */
export function outboxPublisherFunctionName(stage: StageName): string {
  return resourceName(stage, 'outbox', 'publisher');
}

/** The SSM parameters the platform stack publishes and service stacks read (no cross-stack exports). */
export function discoveryParameters(stage: StageName) {
  return {
    busName: `/mtd/${stage}/bus-name`,
    busArn: `/mtd/${stage}/bus-arn`,
    eventStoreTableName: `/mtd/${stage}/event-store-table-name`,
    schemaRegistryName: `/mtd/${stage}/schema-registry-name`,
    /** Projection's query API (function URL, IAM auth) and its function, for the back office. */
    projectionQueryUrl: `/mtd/${stage}/projection/query-url`,
    projectionQueryFunctionArn: `/mtd/${stage}/projection/query-function-arn`,
  } as const;
}
