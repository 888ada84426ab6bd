import { Sources } from '@mtd/contracts';
import { byOrderIndex, folioLedgerTable } from '@mtd/dte';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { acknowledge } from './nag';
import { lambdaEntry } from './paths';
import { ServiceStack, type ServiceStackProps } from './serviceStack';
import { resourceName } from './stage';
import { tableFromDefinition } from './tableFromDefinition';

/**
 * dte: folio ledger, tax-authority configuration (endpoint as an SSM parameter and Lambda setting,
 * credentials in Secrets Manager) and one consumer per dte subscription.
 */
export class DteStack extends ServiceStack {
  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, 'dte', props);
    const { stage } = this.settings;

    const folios = tableFromDefinition(this, 'FolioLedger', folioLedgerTable('folios'), {
      tableName: resourceName(stage, 'dte', 'folios'),
      deletionProtection: this.settings.deletionProtection,
      removalPolicy: this.settings.removalPolicy,
    });

    const credentials = new Secret(this, 'TaxAuthorityCredentials', {
      secretName: resourceName(stage, 'dte', 'tax-authority'),
      description:
        'Tax-authority API credentials as JSON {"token": "..."}; a placeholder token is generated, operators set the real one.',
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'token',
        excludePunctuation: true,
      },
      removalPolicy: this.settings.removalPolicy,
    });
    acknowledge(
      credentials,
      'AwsSolutions-SMG4',
      'The tax-authority token is issued by the tax authority (SII) and can only be rotated there; operators replace it by hand, so a rotation Lambda has nothing to call.',
    );
    const endpoint = new StringParameter(this, 'TaxAuthorityUrl', {
      parameterName: `/mtd/${stage}/dte/tax-authority-url`,
      stringValue: this.settings.taxAuthorityUrl,
      description: 'The tax authority reception endpoint the dte Lambdas POST DTEs to.',
    });

    const environment = {
      EVENT_STORE_TABLE: this.eventStoreTableName,
      FOLIO_TABLE: folios.ref,
      TAX_AUTHORITY_URL: endpoint.stringValue,
      TAX_AUTHORITY_SECRET_ARN: credentials.secretArn,
      ISSUER_RUT: this.settings.issuer.rut,
      ISSUER_NAME: this.settings.issuer.name,
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
      credentials.grantRead(consumer.fn);
    }
  }
}
