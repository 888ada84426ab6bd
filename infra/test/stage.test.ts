import { describe, expect, it } from 'vitest';
import { InvalidStageConfigError, stageConfigs, stageSettings, stages } from '../lib/stage';

describe('stage parameters', () => {
  it('validates every stage’s parameters, and they differ where a stage must be its own', () => {
    const all = stages.map((stage) => stageSettings(stage));
    expect(new Set(all.map((s) => s.emailDomain)).size).toBe(stages.length);
    expect(new Set(all.map((s) => s.operationsEmail)).size).toBe(stages.length);
    expect(stageSettings('prod').taxAuthorityUrl).toMatch(/^https:\/\/palena\.sii\.cl\//);
  });

  it('shards the feed index on every AWS stage, and refuses a count the event store cannot take', () => {
    for (const stage of stages) expect(stageSettings(stage).feedShards, stage).toBeGreaterThan(1);
    for (const feedShards of [0, 65, 2.5])
      expect(() => stageSettings('qa', { qa: { ...stageConfigs.qa, feedShards } })).toThrow(
        /stage qa \(infra\/lib\/stage\.ts\) is invalid:\n {2}feedShards: /,
      );
  });

  it('refuses an unknown stage', () => {
    expect(() => stageSettings('staging')).toThrow(/unknown stage "staging": use dev, qa, prod/);
  });

  it('fails with every bad field named, and where it is', () => {
    const bad = {
      ...stageConfigs.prod,
      intakeClients: [{ name: 'web', usagePlan: { rateLimit: 50, burstLimit: 10 } }],
      emailFrom: 'MTD <boletas@otro.example.cl>',
      alarmEmails: ['not an email'],
      logRetentionDays: 8,
      taxAuthorityUrl: 'http://palena.sii.cl/x',
      retainData: false,
    };
    let error: unknown;
    try {
      stageSettings('prod', { prod: bad });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidStageConfigError);
    const message = (error as Error).message;
    expect(message).toContain('stage prod (infra/lib/stage.ts) is invalid');
    expect(message).toMatch(/intakeClients\.0\.usagePlan: burstLimit must be at least rateLimit/);
    expect(message).toMatch(/alarmEmails\.0: /);
    expect(message).toMatch(/logRetentionDays: one of 1, 3, 5, 7/);
    expect(message).toMatch(/taxAuthorityUrl: /);
    // Cross-field rules run once the fields themselves are valid; a separate config shows them.
    expect(() =>
      stageSettings('prod', {
        prod: { ...stageConfigs.prod, emailFrom: 'MTD <boletas@otro.example.cl>', retainData: false },
      }),
    ).toThrow(
      /emailFrom: the sender must be on the SES identity mtd\.example\.cl[\s\S]*retainData: only dev/,
    );
  });

  it('refuses an unknown parameter (a typo would otherwise be ignored)', () => {
    expect(() => stageSettings('dev', { dev: { ...stageConfigs.dev, alarmEmail: 'x@y.cl' } })).toThrow(
      /Unrecognized key: "alarmEmail"/,
    );
  });

  it('refuses parameters filed under another stage', () => {
    expect(() => stageSettings('qa', { qa: stageConfigs.dev })).toThrow(/stage: says dev/);
  });
});
