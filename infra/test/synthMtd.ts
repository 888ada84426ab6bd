import type { ServiceName } from '@mtd/contracts';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addMtdStacks } from '../lib/mtdApp';

export interface Synthesized {
  /** Templates by stack name (`mtd-dev-platform`, `mtd-dev-dte`, …). */
  templates: Record<string, Template>;
  json: Record<string, Record<string, unknown>>;
}

/**
 * Synthesises one stage the way `cdk synth` does, with cdk-nag on (its findings make synth
 * throw), but without bundling the Lambdas (asset hashes are not under test here).
 */
export function synthMtd(options: { stage?: string; services?: readonly ServiceName[] } = {}): Synthesized {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  addMtdStacks(app, options);
  const assembly = app.synth();
  const templates: Synthesized['templates'] = {};
  const json: Synthesized['json'] = {};
  for (const stack of assembly.stacks) {
    templates[stack.stackName] = Template.fromJSON(stack.template);
    json[stack.stackName] = stack.template;
  }
  return { templates, json };
}

type Resource = { Type: string; Properties?: Record<string, unknown> };

export function resourcesOf(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.findResources(type) as Record<string, Resource>);
}
