import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DteIssuedV1, ExceptionRetryRequestedV1 } from '@mtd/contracts';
import { selfSignedCredentials } from '@mtd/dte';
import { startTaxAuthoritySimulator, type TaxAuthoritySimulator } from '@mtd/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessKeyOf } from './callLog';
import { CloudHarness } from './cloudHarness';
import { assemblyDir, emulatedRegion } from './cloudTier';
import type { Deployment } from './deployment';
import { checkCalls, type Principal, principalsOf } from './iamCheck';

/**
 * An operator's retry on AWS, through the bundles in cdk.out: an order waits in exception at the dte
 * issuance (no CAF of its type loaded), an operator loads the CAF into its secret, signs in to the
 * back office's HTTP API and retries; ExceptionRetryRequested goes through the event store, the
 * outbox publisher and the bus's rule to dte, which issues and broadcasts the DTE.
 */
const repoRoot = join(import.meta.dirname, '..', '..');
const dynamodbLocalDir = process.env.MTD_DYNAMODB_LOCAL_DIR;
if (!dynamodbLocalDir)
  throw new Error('MTD_DYNAMODB_LOCAL_DIR is not set: run this tier with npm run test:cloud');

const orderId = 'PO-RETRY-1';
const operator = { username: 'olga', password: 'operator-password-1' };
const backofficeFunction = 'mtd-dev-backoffice-api';

let simulator: TaxAuthoritySimulator;
let harness: CloudHarness;
let cafs: { 33: string; 39: string };
let api: string;

function dteIssuer(deployment: Deployment): { rut: string; name: string; senderRut: string } {
  const fn = deployment.ofType('AWS::Lambda::Function').find((f) => f.stackName.endsWith('-dte'));
  const variables = (fn?.Properties?.Environment as { Variables?: Record<string, string> } | undefined)
    ?.Variables;
  if (!variables?.DTE_SETTINGS) throw new Error('no dte function with DTE_SETTINGS in the templates');
  return JSON.parse(variables.DTE_SETTINGS).issuer;
}

const secretArn = (deployment: Deployment, logicalIdPrefix: string) => {
  const secret = deployment
    .ofType('AWS::SecretsManager::Secret')
    .find((s) => s.logicalId.startsWith(logicalIdPrefix));
  if (!secret) throw new Error(`no secret ${logicalIdPrefix}`);
  return deployment.arnOf(secret);
};

/** A boleta (DTE 39): the sample order without the customer's tax id. */
function boletaOrder(): string {
  const order = JSON.parse(readFileSync(join(repoRoot, 'examples', 'order.json'), 'utf8'));
  delete order.customer.taxId;
  return JSON.stringify({ ...order, orderId });
}

/** A request to the back office's HTTP API, as the portal or the CLI sends it. */
async function backoffice(
  method: 'GET' | 'POST',
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(new URL(path, api), {
    method,
    headers: {
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  simulator = await startTaxAuthoritySimulator({ failureRate: 0, latencyMs: { min: 0, max: 0 } });
  harness = new CloudHarness({
    assemblyDir,
    dynamodbLocalDir,
    environmentOverrides: { TAX_AUTHORITY_URL: simulator.url },
    metricValue: () => 0,
    secrets: (deployment) => {
      const issuer = dteIssuer(deployment);
      const caf = (dteType: 33 | 39) =>
        simulator.issueCaf({ rut: issuer.rut, name: issuer.name, dteType, count: 10 });
      cafs = { 33: caf(33), 39: caf(39) };
      return {
        [secretArn(deployment, 'TaxAuthorityCredentials')]: JSON.stringify(
          selfSignedCredentials({ now: new Date(), rut: issuer.senderRut, name: 'MTD firma de prueba' }),
        ),
        // Only facturas have folios: a boleta waits in exception until its CAF is loaded.
        [secretArn(deployment, 'Cafs')]: JSON.stringify({ cafs: [cafs[33]] }),
      };
    },
  });
  await harness.start();
  const [httpApi] = harness.deployment.ofType('AWS::ApiGatewayV2::Api');
  api = harness.httpApiUrl(String(httpApi?.physicalName));
}, 120_000);

afterAll(async () => {
  await harness?.stop();
  await simulator?.close();
});

describe("the emulated cloud: an operator's retry through the back office reaches dte", () => {
  let principals: Principal[];
  let token: string;

  it('makes the first user of the stage with the add-user script, as an admin would', async () => {
    const users = harness.deployment
      .ofType('AWS::DynamoDB::Table')
      .find((t) => t.stackName.endsWith('-backoffice') && t.logicalId.startsWith('Users'));
    // Asynchronously: the script's DynamoDB calls go through the recording proxy in this process.
    const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
      execFile(
        'npm',
        [
          'run',
          'add-user',
          '-w',
          '@mtd/backoffice',
          '--',
          '--table',
          String(users?.physicalName),
          '--username',
          operator.username,
          '--role',
          'operator',
        ],
        {
          cwd: repoRoot,
          env: {
            ...process.env,
            MTD_PASSWORD: operator.password,
            AWS_REGION: emulatedRegion,
            AWS_ACCESS_KEY_ID: accessKeyOf('harness'),
            AWS_SECRET_ACCESS_KEY: 'emulated',
          },
        },
        (error, stdout, stderr) => resolve({ status: error ? (error.code as number) : 0, stdout, stderr }),
      ),
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`created operator "${operator.username}" in ${users?.physicalName}`);
  });

  it('holds a boleta without folios in exception at the dte issuance', async () => {
    expect(await harness.postOrder({ body: boletaOrder(), contentType: 'application/json', orderId })).toBe(
      202,
    );
    await harness.drain();
    expect(simulator.received()).toBe(0);

    const signIn = await backoffice('POST', '/api/auth/login', { body: operator });
    expect(signIn.status).toBe(200);
    expect(signIn.body).toMatchObject({ username: operator.username, role: 'operator' });
    token = String(signIn.body.token);
    // Read through projection's query API: the function URL, SigV4-signed with the back office's role.
    const order = await backoffice('GET', `/api/orders/${orderId}`, { token });
    expect(order.status, JSON.stringify(order.body)).toBe(200);
    expect(order.body.order).toMatchObject({ exception: { stage: 'dte-issuance' } });
  });

  it('refuses a call to the query URL that is not signed', async () => {
    const url = harness.fn(backofficeFunction).environment.PROJECTION_QUERY_URL;
    const response = await fetch(new URL(`/api/orders/${orderId}`, url));
    expect(response.status).toBe(403);
  });

  it('issues and broadcasts the DTE once the operator loaded the CAF and retried', async () => {
    harness.putSecretValue(
      secretArn(harness.deployment, 'Cafs'),
      JSON.stringify({ cafs: [cafs[33], cafs[39]] }),
    );
    const retry = await backoffice('POST', `/api/exceptions/${orderId}/retry`, {
      token,
      body: { comment: 'CAF 39 loaded' },
    });
    expect(retry.status, JSON.stringify(retry.body)).toBe(202);
    expect(retry.body).toMatchObject({ orderId, stage: 'dte-issuance', actor: `user:${operator.username}` });
    await harness.drain();

    const published = harness.bus.accepted.map(
      (event) =>
        event.detail as {
          metadata: {
            eventId: string;
            eventType: string;
            streamId: string;
            causationId: string;
            actor: string;
          };
          data: { orderId?: string };
        },
    );
    const requested = published.find((e) => e.metadata.eventType === ExceptionRetryRequestedV1.detailType);
    expect(requested?.metadata).toMatchObject({
      eventId: retry.body.eventId,
      streamId: `backoffice-${orderId}`,
      actor: `user:${operator.username}`,
    });
    const issued = published.find(
      (e) => e.metadata.eventType === DteIssuedV1.detailType && e.data.orderId === orderId,
    );
    expect(issued?.metadata).toMatchObject({
      causationId: retry.body.eventId,
      actor: `user:${operator.username}`,
    });
    expect(
      harness.invocations.some(
        (i) => i.functionName === 'mtd-dev-dte-retryDteOnExceptionRetryRequested' && !i.failed,
      ),
    ).toBe(true);
    expect(simulator.received()).toBe(1);

    const order = await backoffice('GET', `/api/orders/${orderId}`, { token });
    expect(order.body.order).toMatchObject({ stage: 'completed', exception: null });
    const exceptions = await backoffice('GET', '/api/exceptions', { token });
    expect(JSON.stringify(exceptions.body)).not.toContain(orderId);
  });

  it("makes no AWS call outside its caller's synthesised policy, the back office's included", async () => {
    principals = principalsOf(harness.deployment, [...harness.functions.values()]);
    const checked = await checkCalls(harness.calls, principals);
    expect(checked.denied).toEqual([]);
    const ofBackoffice = new Set(
      harness.calls
        .filter((call) => call.caller === backofficeFunction)
        .map((call) => `${call.service} ${call.operation}`),
    );
    expect([...ofBackoffice].sort()).toEqual(
      expect.arrayContaining([
        'dynamodb GetItem',
        'dynamodb PutItem',
        'lambda InvokeFunctionUrl',
        'local GetSecretValue',
      ]),
    );
  });

  it('fails the IAM check when the back office loses its lambda:InvokeFunctionUrl statement', async () => {
    const principal = principals.find((p) => p.name === backofficeFunction);
    if (!principal) throw new Error(`no role for ${backofficeFunction}`);
    const without: Principal = {
      ...principal,
      policies: principal.policies.map((policy) => ({
        ...policy,
        document: {
          ...policy.document,
          Statement: policy.document.Statement.filter(
            (s) => ![s.Action].flat().includes('lambda:InvokeFunctionUrl'),
          ),
        },
      })),
    };
    const checked = await checkCalls(
      harness.calls,
      principals.map((p) => (p === principal ? without : p)),
    );
    expect(new Set(checked.denied.map((d) => `${d.caller} ${d.action}`))).toEqual(
      new Set([`${backofficeFunction} lambda:InvokeFunctionUrl`]),
    );
  });
});
