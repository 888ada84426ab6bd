import { DteType, Sources } from '@mtd/contracts';
import {
  byOrderIndex,
  type DteSettings,
  dteAlertsService,
  dteEnvironment,
  dteMetricNames,
  dteMetricsNamespace,
  folioLedgerTable,
  validDteSettings,
} from '@mtd/dte';
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { dteSettings } from './dteSettings';
import { acknowledge } from './nag';
import { lambdaEntry } from './paths';
import { ServiceStack, type ServiceStackProps } from './serviceStack';
import { resourceName } from './stage';
import { tableFromDefinition } from './tableFromDefinition';

export interface DteStackProps extends ServiceStackProps {
  /** The stage's dte settings; `dteSettings(stage)` by default. Validated at synth either way. */
  dte?: unknown;
}

/**
 * dte: folio ledger, the issuer's certificate and the CAFs in Secrets Manager, the tax authority's
 * endpoint (SSM parameter and Lambda setting), the stage's issuer settings (validated at synth against
 * the SII's limits), one consumer per dte subscription, and the alarms on folios running out and the
 * certificate nearing its end.
 */
export class DteStack extends ServiceStack {
  readonly dteSettings: DteSettings;

  constructor(scope: Construct, id: string, props: DteStackProps) {
    super(scope, id, 'dte', props);
    const { stage } = this.settings;
    // Before any resource: a wrong setting stops `cdk synth` with the field and the SII's limit.
    this.dteSettings = validDteSettings(props.dte ?? dteSettings(stage));

    const folios = tableFromDefinition(this, 'FolioLedger', folioLedgerTable('folios'), {
      tableName: resourceName(stage, 'dte', 'folios'),
      deletionProtection: this.settings.deletionProtection,
      removalPolicy: this.settings.removalPolicy,
    });

    const claims = this.addEffectClaimsTable();

    const certificate = new Secret(this, 'TaxAuthorityCredentials', {
      secretName: resourceName(stage, 'dte', 'tax-authority'),
      description:
        'The issuer\'s certificate as JSON {"privateKeyPem": "...", "certificatePem": "..."} (PEM). It signs every DTE and envelope and buys the SII token. Created empty: operators put the certificate from an SII-accredited authority; a renewed one signs new documents within 5 minutes.',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ privateKeyPem: '', certificatePem: '' }),
        generateStringKey: 'placeholder',
        excludePunctuation: true,
      },
      removalPolicy: this.settings.removalPolicy,
    });
    acknowledge(
      certificate,
      'AwsSolutions-SMG4',
      'The signing certificate is issued by an SII-accredited certification authority and renewed there (yearly); a rotation Lambda has nothing to call. CertificateDaysLeft raises an alarm before it ends.',
    );
    const cafs = new Secret(this, 'Cafs', {
      secretName: resourceName(stage, 'dte', 'cafs'),
      description:
        'The CAFs (folio authorisations) the SII issued, as JSON {"cafs": ["<AUTORIZACION>...</AUTORIZACION>", ...]}: each holds its range\'s private key. Loading a CAF is adding its file text to the list (64 KB holds about 40 CAFs; drop spent ones).',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ cafs: [] }),
        generateStringKey: 'placeholder',
        excludePunctuation: true,
      },
      removalPolicy: this.settings.removalPolicy,
    });
    acknowledge(
      cafs,
      'AwsSolutions-SMG4',
      'A CAF is issued by the SII for a folio range and cannot be rotated, only replaced by a new one; FoliosRemaining raises an alarm before the loaded ranges run out.',
    );
    const endpoint = new StringParameter(this, 'TaxAuthorityUrl', {
      parameterName: `/mtd/${stage}/dte/tax-authority-url`,
      stringValue: this.settings.taxAuthorityUrl,
      description: 'The tax authority reception endpoint the dte Lambdas POST DTEs to.',
    });

    const environment = {
      ...dteEnvironment({
        eventStoreTable: this.eventStoreTableName,
        folioTable: folios.ref,
        effectClaimsTable: claims.ref,
        taxAuthorityUrl: endpoint.stringValue,
        certificateSecretArn: certificate.secretArn,
        cafSecretArn: cafs.secretArn,
        settings: this.dteSettings,
      }),
      ...this.eventStoreEnvironment,
    };
    const entry = lambdaEntry('services/dte/src/aws/dteLambda.ts');
    for (const subscription of this.ownSubscriptions()) {
      const consumer = this.addConsumer(subscription, { entry, environment });
      // dte appends to dte-*; it reads its own streams and, for an operator retry of an issuance,
      // the order's stream (retryDteOnExceptionRetryRequested re-reads the accepted order).
      this.grantEventStore(consumer, Sources.dte, ['dte-', 'order-']);
      consumer.fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
          resources: [folios.attrArn],
        }),
      );
      consumer.fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['dynamodb:Query'],
          resources: [`${folios.attrArn}/index/${byOrderIndex}`],
        }),
      );
      certificate.grantRead(consumer.fn);
      cafs.grantRead(consumer.fn);
      this.grantEffectClaims(consumer, claims);
    }
    this.addOperationsAlarms();
  }

  /**
   * The warnings the dte Lambdas emit with Powertools Metrics (operationsAlerts.ts), dimension
   * `service` = `dte` whichever function emits them. Each is emitted only when
   * there is something to warn about, so no data is fine and any data point at or under the
   * threshold raises the alarm.
   */
  private addOperationsAlarms(): void {
    const { stage } = this.settings;
    const { folioLowWater, certificateWarningDays } = this.dteSettings;
    const alarms: Alarm[] = DteType.options
      .map(({ value: dteType }) => dteType)
      .map(
        (dteType) =>
          new Alarm(this, `FoliosLow${dteType}`, {
            alarmName: resourceName(stage, 'dte', `folios-low-${dteType}`),
            alarmDescription: `At most ${folioLowWater} authorised folios of DTE type ${dteType} are left (0: orders are in exception until a CAF is loaded). Ask the SII for a new CAF and add it to the ${resourceName(stage, 'dte', 'cafs')} secret, then retry the orders in exception.`,
            metric: new Metric({
              namespace: dteMetricsNamespace,
              metricName: dteMetricNames.foliosRemaining,
              dimensionsMap: { service: dteAlertsService, DteType: String(dteType) },
              statistic: 'Minimum',
              period: Duration.minutes(5),
            }),
            threshold: folioLowWater,
            evaluationPeriods: 1,
            comparisonOperator: ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
            treatMissingData: TreatMissingData.NOT_BREACHING,
          }),
      );
    alarms.push(
      new Alarm(this, 'CertificateExpiring', {
        alarmName: resourceName(stage, 'dte', 'certificate-expiring'),
        alarmDescription: `The certificate in ${resourceName(stage, 'dte', 'tax-authority')} expires within ${certificateWarningDays} days; without it no DTE can be signed or sent. Renew it with the certification authority and replace the secret's value.`,
        metric: new Metric({
          namespace: dteMetricsNamespace,
          metricName: dteMetricNames.certificateDaysLeft,
          dimensionsMap: { service: dteAlertsService },
          statistic: 'Minimum',
          // Each container warns once a day: a day-long period keeps the alarm up between warnings.
          period: Duration.days(1),
        }),
        threshold: certificateWarningDays,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    for (const alarm of alarms) alarm.addAlarmAction(new SnsAction(this.alarmTopic));
  }
}
