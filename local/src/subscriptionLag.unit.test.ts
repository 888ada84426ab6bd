import { describe, expect, it } from 'vitest';
import { SubscriptionLag } from './subscriptionLag';

const runner = (name: string, position: string | undefined) => ({ name, position });

describe('subscription lag', () => {
  it('is the age of the oldest commit the slowest subscription has not applied', () => {
    const lag = new SubscriptionLag();
    lag.observe('01A', 1_000);
    lag.observe('01B', 2_000);
    lag.observe('01C', 3_000);
    expect(lag.measure([runner('audit', '01A'), runner('project', '01C')], 5_000)).toEqual({
      lagMs: 3_000,
      slowest: 'audit',
    });
    expect(lag.pending).toBe(2);
  });

  it('is zero when every subscription has applied every commit seen, however old the last one is', () => {
    const lag = new SubscriptionLag();
    lag.observe('01A', 1_000);
    expect(lag.measure([runner('audit', '01A'), runner('project', '01A')], 60_000).lagMs).toBe(0);
    lag.observe('01B', 60_000);
    expect(lag.measure([runner('audit', '01A')], 60_050).lagMs).toBe(50);
  });

  it('counts a subscription that has read nothing yet as the slowest', () => {
    const lag = new SubscriptionLag();
    lag.observe('01A', 1_000);
    expect(lag.measure([runner('audit', undefined), runner('project', '01A')], 1_500)).toEqual({
      lagMs: 500,
      slowest: 'audit',
    });
  });

  it('forgets what every subscription has passed, so it stays small on a long run', () => {
    const lag = new SubscriptionLag();
    for (let i = 0; i < 5_000; i++) {
      const id = i.toString().padStart(6, '0');
      lag.observe(id, i);
      lag.measure([runner('audit', id)], i);
    }
    expect(lag.pending).toBe(0);
  });
});
