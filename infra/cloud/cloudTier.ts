import { fileURLToPath } from 'node:url';
import type { DeploymentTarget } from './deployment';

/** The cloud assembly `npm run synth` writes, bundles included. */
export const assemblyDir = fileURLToPath(new URL('../cdk.out', import.meta.url));

/** The account and region of the emulated deployment (the templates name us-east-1). */
export const emulatedAccount = '000000000000';
export const emulatedRegion = 'us-east-1';

/**
 * The emulated deployment's account, region, queue URLs (SQS answers at `sqsEndpoint`) and function
 * URLs (`functionUrls`, keyed `<stack>/<logical id>`, where the harness serves them on loopback).
 */
export function emulatedTarget(
  sqsEndpoint: string,
  functionUrls: ReadonlyMap<string, string> = new Map(),
): DeploymentTarget {
  return {
    account: emulatedAccount,
    region: emulatedRegion,
    queueUrl: (queueName) => `${sqsEndpoint}/${emulatedAccount}/${queueName}`,
    functionUrl: (stackName, logicalId) => functionUrls.get(`${stackName}/${logicalId}`),
  };
}

/** Where the journey test writes the call log of its measured orders (read by scripts/capacity.ts). */
export const cloudRunLogPath = fileURLToPath(
  new URL('../../node_modules/.cache/mtd-cloud/last-run.json', import.meta.url),
);
