import {
  type IPolicyValidationContext,
  type IPolicyValidationPlugin,
  type PolicyValidationPluginReport,
  type PolicyViolation,
  Validations,
} from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
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

/** The rule name an acknowledgement that matches no finding is reported under. */
export const unusedAcknowledgementRule = 'MTD-UnusedAcknowledgement';

interface Finding {
  ruleId: string;
  resourcePath: string;
}

/**
 * AwsSolutionsChecks, plus a failure for every acknowledgement that matched no finding: a stale one
 * (the resource changed, the rule stopped firing, a typo in the id) would otherwise sit there
 * silently and could hide a later, real finding on the same resource.
 *
 * cdk-nag 3.0.2 reports no unused acknowledgements, and the lookup that would know (its private
 * `isAcknowledged(resource, ruleId)`, called once per finding before deciding) is not public API; we
 * wrap that one method on our own instance to record every finding. If a cdk-nag upgrade renames it,
 * the wrapper throws at construction rather than passing everything as unused-free.
 */
export class StrictAwsSolutionsChecks implements IPolicyValidationPlugin {
  readonly name: string;
  readonly version?: string;
  private readonly checks: AwsSolutionsChecks;
  private findings: Finding[] = [];

  constructor(scope: IConstruct) {
    this.checks = new AwsSolutionsChecks(scope);
    this.name = this.checks.name;
    if (this.checks.version !== undefined) this.version = this.checks.version;
    const hooked = this.checks as unknown as {
      isAcknowledged?: (resource: IConstruct, ruleId: string) => boolean;
    };
    const original = hooked.isAcknowledged;
    if (typeof original !== 'function')
      throw new Error(
        'cdk-nag no longer has NagPack.isAcknowledged: the unused-acknowledgement check in infra/lib/nag.ts needs updating',
      );
    hooked.isAcknowledged = (resource, ruleId) => {
      this.findings.push({ ruleId, resourcePath: resource.node.path });
      return original.call(this.checks, resource, ruleId);
    };
  }

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    this.findings = [];
    const report = this.checks.validate(context);
    // Only this pack's rules: aws-cdk-lib acknowledges some of its own validations (CloudFormation-…).
    const unused = unusedAcknowledgements(context.appConstruct, this.findings).filter((ack) =>
      ack.id.startsWith(`${this.checks.readPackName}-`),
    );
    const violations: PolicyViolation[] = unused.map((ack) => ({
      ruleName: unusedAcknowledgementRule,
      description: `The acknowledgement of ${ack.id} on ${ack.path} matches no finding: remove it (or fix its id). Reason it gave: ${ack.reason}`,
      severity: 'error',
      violatingResources: [{ constructPath: ack.path, locations: ['Metadata'] }],
    }));
    return {
      ...report,
      success: report.success && violations.length === 0,
      violations: [...report.violations, ...violations],
    };
  }
}

/** Acknowledgements (construct path, rule id) that no finding on the construct or below it used. */
export function unusedAcknowledgements(
  root: IConstruct,
  findings: readonly Finding[],
): { path: string; id: string; reason: string }[] {
  const unused: { path: string; id: string; reason: string }[] = [];
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [qualifiedId, reason] of Object.entries(entry.data as Record<string, string>)) {
        // aws-cdk-lib records acknowledgements without a known prefix as annotation rules.
        const id = qualifiedId.replace(/^annotation::/i, '');
        const path = construct.node.path;
        const used = findings.some(
          (f) => f.ruleId === id && (f.resourcePath === path || f.resourcePath.startsWith(`${path}/`)),
        );
        if (!used) unused.push({ path, id, reason });
      }
    }
  }
  return unused;
}
