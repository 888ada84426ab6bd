import { describe, expect, it } from 'vitest';
import { HopRecorder } from './hopBreakdown';

const hopsOf = (latencyMs: number, lastToApply: number[]) => ({
  committed: [-1, latencyMs / 4, latencyMs / 2, latencyMs / 2],
  viewEnded: latencyMs / 2,
  applied: [latencyMs / 2, latencyMs],
  lastToApply,
});

describe('hop breakdown', () => {
  it('gives the median milestones of the middle tenth and of the slowest 1%, and who applied last', () => {
    const recorder = new HopRecorder(['projectOrderOnEvent', 'ledger']);
    // 200 orders of 1..200 ms (shuffled): the middle tenth is 91..110, the slowest 1% 199 and 200.
    const latencies = Array.from({ length: 200 }, (_, i) => ((i * 37) % 200) + 1);
    for (const ms of latencies) recorder.add(ms, hopsOf(ms, ms > 198 ? [0] : [1]), ms / 10);
    const [typical, slowest] = recorder.summarise(20).bands;
    expect(typical).toMatchObject({ band: 'p45–p55', orders: 20, latencyMs: 100.5 });
    expect(typical?.milestones.map((m) => m.ms)).toEqual([-1, 25.125, 50.25, 50.25, 50.25, 100.5]);
    expect(typical?.applied).toEqual([
      { name: 'projectOrderOnEvent', ms: 50.25 },
      { name: 'ledger', ms: 100.5 },
    ]);
    expect(typical?.lastToApply).toEqual([{ name: 'ledger', orders: 20 }]);
    expect(slowest).toMatchObject({ band: 'slowest 1%', orders: 2, latencyMs: 199.5 });
    expect(slowest?.lastToApply).toEqual([{ name: 'projectOrderOnEvent', orders: 2 }]);
    expect(slowest?.acceptedAtSeconds).toEqual([19.9, 20]);
  });

  it('reports no band without orders, and one order as its own slowest 1%', () => {
    const recorder = new HopRecorder(['ledger']);
    expect(recorder.summarise(20).bands).toEqual([]);
    recorder.add(7, hopsOf(7, [0]), 0);
    expect(recorder.summarise(20).bands.map((b) => b.orders)).toEqual([1, 1]);
  });
});
