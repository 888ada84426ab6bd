import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { AwsCall } from './callLog';
import type { Deployment } from './deployment';
import type { LambdaFunction, PolicyDocument } from './lambdaFunctions';

/** Who signs calls in the emulated run (the access key is the name) and what its role allows. */
export interface Principal {
  name: string;
  roleArn: string;
  policies: { name: string; document: PolicyDocument }[];
}

/** A call's authorisation the policies did not allow. */
export interface Denial {
  caller: string;
  operation: string;
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
  result: string;
}

/**
 * The principals of the run: every function (its execution role) and every role a service assumes
 * to call AWS on the stack's behalf (the intake API's integration role), by physical name.
 */
export function principalsOf(deployment: Deployment, functions: LambdaFunction[]): Principal[] {
  const principals: Principal[] = functions.map((fn) => ({
    name: fn.name,
    roleArn: fn.role.arn,
    policies: fn.role.policies,
  }));
  for (const role of deployment.ofType('AWS::IAM::Role')) {
    const trust = JSON.stringify(role.Properties?.AssumeRolePolicyDocument ?? {});
    if (!trust.includes('apigateway.amazonaws.com')) continue;
    const policies = deployment
      .ofType('AWS::IAM::Policy')
      .filter(
        (policy) =>
          policy.stackName === role.stackName &&
          ((policy.Properties?.Roles as { Ref?: string }[] | undefined) ?? []).some(
            (ref) => ref.Ref === role.logicalId,
          ),
      )
      .map((policy) => ({
        name: String(policy.Properties?.PolicyName),
        document: deployment.resolve(policy.stackName, policy.Properties?.PolicyDocument) as PolicyDocument,
      }));
    principals.push({ name: role.physicalName, roleArn: deployment.arnOf(role), policies });
  }
  return principals;
}

/**
 * Evaluates every authorisation of every recorded call against its caller's synthesised identity
 * policies with @cloud-copilot/iam-simulate (AWS's evaluation logic: explicit Deny, Allow with
 * action and resource wildcards, NotAction/NotResource, conditions such as ForAllValues:StringLike
 * on `dynamodb:LeadingKeys`, and each action's resource types, index ARNs included). Calls the
 * harness made for itself (`harness`) are not checked; a caller with no known role is denied.
 */
export async function checkCalls(
  calls: AwsCall[],
  principals: Principal[],
): Promise<{ allowed: number; denied: Denial[] }> {
  const byName = new Map(principals.map((principal) => [principal.name, principal]));
  const verdicts = new Map<string, string>();
  let allowed = 0;
  const denied: Denial[] = [];
  for (const call of calls) {
    // The harness's own calls, and EventBridge's deliveries (a service principal that queue policies
    // allow; resource policies are not evaluated here), are not calls of a role.
    if (call.caller === 'harness' || call.caller === 'events.amazonaws.com') continue;
    const principal = byName.get(call.caller);
    for (const authorization of call.authorizations) {
      const key = JSON.stringify([call.caller, authorization]);
      let result = verdicts.get(key);
      if (result === undefined) {
        result = principal ? await evaluate(principal, authorization) : 'UnknownPrincipal';
        verdicts.set(key, result);
      }
      if (result === 'Allowed') allowed++;
      else denied.push({ caller: call.caller, operation: call.operation, ...authorization, result });
    }
  }
  return { allowed, denied };
}

async function evaluate(
  principal: Principal,
  authorization: AwsCall['authorizations'][number],
): Promise<string> {
  const account = principal.roleArn.split(':')[4] ?? '';
  const outcome = await runSimulation(
    {
      request: {
        principal: `${principal.roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/emulated`,
        action: authorization.action,
        resource: { resource: authorization.resource, accountId: account },
        contextVariables: authorization.context ?? {},
      },
      identityPolicies: principal.policies.map((policy) => ({ name: policy.name, policy: policy.document })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (outcome.resultType === 'error') return `SimulationError: ${outcome.errors.message}`;
  return outcome.overallResult;
}
