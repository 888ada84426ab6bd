import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Every cdk-nag acknowledgement goes through here, with a reason about the resource it is on.
 * `MTD_SKIP_ACK` (a rule id) drops one acknowledgement: the test that proves acknowledgements are
 * load-bearing (synth must then fail) uses it.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  if (process.env.MTD_SKIP_ACK === id) return;
  Validations.of(scope).acknowledge({ id, reason });
}
