import { legacyOrderIndexes, projectionTables } from '@mtd/projection';
import { describe, expect, it } from 'vitest';
import { projectionTablesAtSwitchStep } from '../lib/projectionStack';
import { stageConfigs, stageSettings } from '../lib/stage';

const names = { orders: 'mtd-qa-projection-orders', timeline: 'mtd-qa-projection-timeline' };

/** The orders table's indexes at a step, as `name:projection`. */
function indexesAt(step: number | undefined): string[] {
  const orders = projectionTablesAtSwitchStep(names, step).find((t) => t.TableName === names.orders)!;
  return (orders.GlobalSecondaryIndexes ?? [])
    .map((i) => `${i.IndexName}:${i.Projection?.ProjectionType}`)
    .sort();
}

describe('the order-index switch of a stage deployed before the keys-only indexes', () => {
  it('changes one index per deploy, from the indexes such a stage has to the final definition', () => {
    // What a stage deployed before 2026-12-05 has: three indexes projecting ALL.
    const before = [
      `${legacyOrderIndexes.byDay}:ALL`,
      `${legacyOrderIndexes.byStage}:ALL`,
      'inProcess:ALL',
    ].sort();
    const steps = [before, indexesAt(1), indexesAt(2), indexesAt(3), indexesAt(undefined)];
    for (let i = 1; i < steps.length; i++) {
      const [from, to] = [new Set(steps[i - 1]), new Set(steps[i])];
      const changed = [...from].filter((x) => !to.has(x)).length + [...to].filter((x) => !from.has(x)).length;
      expect(changed, `step ${i}: ${steps[i - 1]} -> ${steps[i]}`).toBe(1);
    }
    expect(projectionTablesAtSwitchStep(names, undefined)).toEqual(projectionTables(names));
  });

  it('is a stage parameter of 1 to 3, absent on every stage today', () => {
    for (const stage of ['dev', 'qa', 'prod'] as const)
      expect(stageSettings(stage).orderIndexSwitchStep, stage).toBeUndefined();
    expect(
      stageSettings('qa', { qa: { ...stageConfigs.qa, orderIndexSwitchStep: 2 } }).orderIndexSwitchStep,
    ).toBe(2);
    expect(() => stageSettings('qa', { qa: { ...stageConfigs.qa, orderIndexSwitchStep: 4 } })).toThrow(
      /orderIndexSwitchStep: /,
    );
  });
});
