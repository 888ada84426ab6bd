import { subscriptions } from '@mtd/contracts';
import { DteConfigurationError, dteConfigFromEnv } from '@mtd/dte';
import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { dteSettings } from '../lib/dteSettings';
import { DteStack } from '../lib/dteStack';
import { stageSettings } from '../lib/stage';
import { resourcesOf, type Synthesized, synthMtd } from './synthMtd';

let dev: Synthesized;
let prod: Synthesized;
beforeAll(() => {
  dev = synthMtd({ stage: 'dev', services: ['dte'] });
  prod = synthMtd({ stage: 'prod', services: ['dte'] });
}, 180_000);

/** An alarm's dimensions in name order (CloudFormation does not care about their order). */
const sortedByName = (dimensions: unknown) =>
  [...((dimensions as { Name: string; Value: string }[] | undefined) ?? [])].sort((a, b) =>
    a.Name < b.Name ? -1 : 1,
  );

const dteSubscriptions = subscriptions.filter((s) => s.service === 'dte').map((s) => s.name);
type Properties = Record<string, unknown>;
const resources = (s: Synthesized, stage: string, type: string) =>
  resourcesOf(s.templates[`mtd-${stage}-dte`]!, type);
const functions = (s: Synthesized, stage: string) =>
  resources(s, stage, 'AWS::Lambda::Function')
    .map(([id, f]) => ({ id, properties: f.Properties as Properties }))
    .filter(({ properties }) => dteSubscriptions.some((name) => properties.Handler === `index.${name}`));

/** A function's environment as the Lambda would see it: deploy-time references stand in as text. */
function deployedEnvironment(properties: Properties): Record<string, string> {
  const variables = (properties.Environment as { Variables: Record<string, unknown> }).Variables;
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : `resolved-at-deploy:${JSON.stringify(value)}`,
    ]),
  );
}

describe('the dte stack', () => {
  it('gives every dte Lambda every setting its cold start reads, with the stage own values', () => {
    for (const [s, stage] of [
      [dev, 'dev'],
      [prod, 'prod'],
    ] as const) {
      const lambdas = functions(s, stage);
      expect(lambdas.map((l) => l.properties.Handler).sort()).toEqual(
        dteSubscriptions.map((name) => `index.${name}`).sort(),
      );
      for (const { properties } of lambdas) {
        // The very function the Lambda's composition root calls at cold start: it throws on anything missing.
        const config = dteConfigFromEnv(deployedEnvironment(properties));
        expect(config.settings).toEqual(dteSettings(stage));
      }
    }
    const [devLambda] = functions(dev, 'dev');
    const [prodLambda] = functions(prod, 'prod');
    const settingsOf = (l: typeof devLambda) => dteConfigFromEnv(deployedEnvironment(l!.properties)).settings;
    expect(settingsOf(devLambda).issuer.resolution).toEqual({ date: '2026-01-15', number: 0 });
    expect(settingsOf(prodLambda).issuer.resolution.number).toBeGreaterThan(0);
    expect(settingsOf(prodLambda).folioLowWater).toBeGreaterThan(settingsOf(devLambda).folioLowWater);
  });

  it('points the Lambdas at the certificate and CAF secrets and lets each read both, and nothing else', () => {
    const secrets = resources(dev, 'dev', 'AWS::SecretsManager::Secret');
    const byName = Object.fromEntries(secrets.map(([id, r]) => [(r.Properties as Properties).Name, id]));
    const certificate = byName['mtd-dev-dte-tax-authority'];
    const cafs = byName['mtd-dev-dte-cafs'];
    expect(certificate && cafs).toBeTruthy();
    const template = JSON.stringify(
      Object.fromEntries(secrets.map(([id, r]) => [id, (r.Properties as Properties).GenerateSecretString])),
    );
    // Created with the shape the Lambdas parse, so a missing certificate is named, not "not JSON".
    expect(template).toContain('privateKeyPem');
    expect(template).toContain('\\"cafs\\":[]');

    for (const { properties } of functions(dev, 'dev')) {
      const variables = (properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables.CERTIFICATE_SECRET_ARN).toEqual({ Ref: certificate });
      expect(variables.CAF_SECRET_ARN).toEqual({ Ref: cafs });
    }
    const secretStatements = resources(dev, 'dev', 'AWS::IAM::Policy').flatMap(([, p]) =>
      (
        (p.Properties as Properties).PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }
      ).Statement.filter((s) => JSON.stringify(s.Action).includes('secretsmanager:')),
    );
    expect(secretStatements).toHaveLength(2 * dteSubscriptions.length);
    for (const statement of secretStatements) {
      expect(statement.Action).toEqual(['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret']);
      expect([{ Ref: certificate }, { Ref: cafs }]).toContainEqual(statement.Resource);
    }
  });

  it('alarms when folios of either type run low and when the certificate nears its end, per stage', () => {
    for (const [s, stage] of [
      [dev, 'dev'],
      [prod, 'prod'],
    ] as const) {
      const settings = dteSettings(stage);
      const alarms = resources(s, stage, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties as Properties);
      const topic = resources(s, stage, 'AWS::SNS::Topic')[0]![0];
      for (const dteType of [33, 39]) {
        const folios = alarms.find(
          (a) =>
            a.MetricName === 'FoliosRemaining' &&
            JSON.stringify(sortedByName(a.Dimensions)) ===
              JSON.stringify([
                { Name: 'DteType', Value: String(dteType) },
                { Name: 'service', Value: 'dte' },
              ]),
        );
        expect(folios, `FoliosRemaining alarm of type ${dteType} in ${stage}`).toMatchObject({
          Namespace: 'MTD/dte',
          Statistic: 'Minimum',
          Threshold: settings.folioLowWater,
          ComparisonOperator: 'LessThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
          AlarmActions: [{ Ref: topic }],
        });
      }
      const certificate = alarms.find((a) => a.MetricName === 'CertificateDaysLeft');
      expect(certificate).toMatchObject({
        Namespace: 'MTD/dte',
        Threshold: settings.certificateWarningDays,
        ComparisonOperator: 'LessThanOrEqualToThreshold',
        AlarmActions: [{ Ref: topic }],
      });
      // The Lambdas emit CertificateDaysLeft with Powertools' service dimension only, `dte` from every
      // function (operationsAlerts.ts): the alarm must match it exactly.
      expect(certificate?.Dimensions).toEqual([{ Name: 'service', Value: 'dte' }]);
    }
    expect(dteSettings('prod').folioLowWater).not.toBe(dteSettings('dev').folioLowWater);
  });

  it('refuses at synth a setting the SII would refuse, naming the field and the limit', () => {
    const bad = {
      ...dteSettings('qa'),
      issuer: { ...dteSettings('qa').issuer, acteco: 1_234_567, senderRut: '12345678-9' },
    };
    const synth = () =>
      new DteStack(new App(), 'mtd-qa-dte', { settings: stageSettings('qa'), dte: bad, env: {} });
    expect(synth).toThrow(DteConfigurationError);
    expect(synth).toThrow(/issuer\.acteco must be the SII activity code \(Acteco\), at most 6 digits/);
    expect(synth).toThrow(/issuer\.senderRut has a wrong check digit/);
  });
});
