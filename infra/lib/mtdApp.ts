import type { ServiceName } from '@mtd/contracts';
import { type App, Validations } from 'aws-cdk-lib';
import { BackofficeStack } from './backofficeStack';
import { DteStack } from './dteStack';
import { IntakeStack } from './intakeStack';
import { StrictAwsSolutionsChecks } from './nag';
import { NotificationStack } from './notificationStack';
import { PlatformStack } from './platformStack';
import { ProjectionStack } from './projectionStack';
import type { ServiceStack } from './serviceStack';
import { resourceName, stageSettings } from './stage';

export const serviceNames = [
  'intake',
  'dte',
  'notification',
  'projection',
  'backoffice',
] as const satisfies readonly ServiceName[];

export interface MtdStacks {
  platform: PlatformStack;
  services: Partial<Record<ServiceName, ServiceStack>>;
}

/**
 * Adds one stage's stacks to `app`: `mtd-<stage>-platform` and `mtd-<stage>-<service>` for each
 * service asked for (all by default). The stage comes from `-c stage=dev|qa|prod` (default dev).
 * Service stacks never reference each other or the platform stack's tokens: they find the
 * platform through SSM parameters, so each deploys and changes alone.
 */
export function addMtdStacks(
  app: App,
  options: { stage?: string; services?: readonly ServiceName[]; nag?: boolean } = {},
): MtdStacks {
  const settings = stageSettings(options.stage ?? app.node.tryGetContext('stage') ?? 'dev');
  if (options.nag ?? true) Validations.of(app).addPlugins(new StrictAwsSolutionsChecks(app));
  const env = {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION,
  };
  const props = { settings, env, tags: { project: 'mtd', stage: settings.stage } };
  const platform = new PlatformStack(app, resourceName(settings.stage, 'platform'), props);
  const services: MtdStacks['services'] = {};
  const wanted = new Set(options.services ?? serviceNames);
  const id = (service: ServiceName) => resourceName(settings.stage, service);
  if (wanted.has('intake')) services.intake = new IntakeStack(app, id('intake'), props);
  if (wanted.has('dte')) services.dte = new DteStack(app, id('dte'), props);
  if (wanted.has('notification'))
    services.notification = new NotificationStack(app, id('notification'), props);
  if (wanted.has('projection')) services.projection = new ProjectionStack(app, id('projection'), props);
  if (wanted.has('backoffice')) services.backoffice = new BackofficeStack(app, id('backoffice'), props);
  return { platform, services };
}
