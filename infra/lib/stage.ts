import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

export const stages = ['dev', 'qa', 'prod'] as const;
export type StageName = (typeof stages)[number];

/** A partner of the intake API: one API key each, all under the partner usage plan. */
export interface IntakeClient {
  readonly name: string;
}

/** Everything that differs between stages; one object so a reviewer sees a stage at a glance. */
export interface StageSettings {
  readonly stage: StageName;
  /** Off only in dev, so a developer can tear a stage down. */
  readonly deletionProtection: boolean;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: RetentionDays;
  /** How long the bus archive keeps events for replay. */
  readonly archiveRetention: Duration;
  /** Intake API throttling per client (usage plan; each API key gets its own bucket). */
  readonly intakeThrottle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly intakeClients: readonly IntakeClient[];
  /** Oldest message in a subscription queue older than this → alarm. */
  readonly maxMessageAge: Duration;
  /** Lambda errors per 5 minutes that raise the alarm (≥). */
  readonly lambdaErrorsThreshold: number;
  /** Outbox publisher: retries of a failing stream batch before it goes to the outbox DLQ. */
  readonly outboxRetryAttempts: number;
  readonly taxAuthorityUrl: string;
  /** A verified SES identity (domain) and the sender address on it. */
  readonly emailDomain: string;
  readonly emailFrom: string;
  /** Where early warnings (OrderAtRisk) are emailed. */
  readonly operationsEmail: string;
  /** The early-warning check's cadence. */
  readonly earlyWarningSchedule: string;
}

/** Seed load: 500 orders/min at peak ≈ 8.3 requests/s; each client gets that with headroom. */
const seedRatePerSecond = 10;

const common = {
  emailDomain: 'mtd.example.cl',
  emailFrom: 'MTD Boletas <boletas@mtd.example.cl>',
  operationsEmail: 'operaciones@mtd.example.cl',
  earlyWarningSchedule: 'rate(5 minutes)',
  intakeClients: [{ name: 'web' }, { name: 'marketplace' }],
} as const;

const settings: Record<StageName, StageSettings> = {
  dev: {
    ...common,
    stage: 'dev',
    deletionProtection: false,
    removalPolicy: RemovalPolicy.DESTROY,
    logRetention: RetentionDays.ONE_WEEK,
    archiveRetention: Duration.days(7),
    intakeThrottle: { rateLimit: seedRatePerSecond, burstLimit: 20 },
    maxMessageAge: Duration.minutes(30),
    lambdaErrorsThreshold: 5,
    outboxRetryAttempts: 5,
    taxAuthorityUrl: 'https://maullin.sii.cl/mtd-dev',
  },
  qa: {
    ...common,
    stage: 'qa',
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
    logRetention: RetentionDays.ONE_MONTH,
    archiveRetention: Duration.days(30),
    intakeThrottle: { rateLimit: seedRatePerSecond, burstLimit: 50 },
    maxMessageAge: Duration.minutes(15),
    lambdaErrorsThreshold: 3,
    outboxRetryAttempts: 10,
    taxAuthorityUrl: 'https://maullin.sii.cl/mtd-qa',
  },
  prod: {
    ...common,
    stage: 'prod',
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
    logRetention: RetentionDays.ONE_YEAR,
    archiveRetention: Duration.days(365),
    intakeThrottle: { rateLimit: seedRatePerSecond, burstLimit: 100 },
    maxMessageAge: Duration.minutes(5),
    lambdaErrorsThreshold: 1,
    outboxRetryAttempts: 20,
    taxAuthorityUrl: 'https://palena.sii.cl/mtd',
  },
};

export function isStageName(value: unknown): value is StageName {
  return typeof value === 'string' && (stages as readonly string[]).includes(value);
}

/** The settings of a stage; throws on an unknown stage so a typo never deploys a default. */
export function stageSettings(stage: unknown = 'dev'): StageSettings {
  if (!isStageName(stage))
    throw new RangeError(`unknown stage ${JSON.stringify(stage)}: use ${stages.join(', ')}`);
  return settings[stage];
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
  } as const;
}
