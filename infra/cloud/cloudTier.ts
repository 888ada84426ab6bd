import { fileURLToPath } from 'node:url';
import type { DeploymentTarget } from './deployment';

/** The cloud assembly `npm run synth` writes, bundles included. */
export const assemblyDir = fileURLToPath(new URL('../cdk.out', import.meta.url));

/** The account and region of the emulated deployment (the templates name us-east-1). */
export const emulatedAccount = '000000000000';
export const emulatedRegion = 'us-east-1';

/** The emulated deployment's account, region and queue URLs (SQS answers at `sqsEndpoint`). */
export function emulatedTarget(sqsEndpoint: string): DeploymentTarget {
  return {
    account: emulatedAccount,
    region: emulatedRegion,
    queueUrl: (queueName) => `${sqsEndpoint}/${emulatedAccount}/${queueName}`,
  };
}

/** Where the journey test writes the call log of its measured orders (read by scripts/capacity.ts). */
export const cloudRunLogPath = fileURLToPath(
  new URL('../../node_modules/.cache/mtd-cloud/last-run.json', import.meta.url),
);
