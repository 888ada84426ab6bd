import { type EffectClaims, EffectInProgressError, type EffectSteps } from '../effectClaims';

/**
 * {@link EffectClaims} in a Map, for unit tests of handlers that have no engine: the same rules
 * (one effect per name and key, duplicates get the first result or {@link EffectInProgressError},
 * a failed effect releases its claim; `act` claims, then looks), without leases or expiry.
 */
export function inMemoryEffectClaims(): EffectClaims {
  const claims = new Map<string, { done: false } | { done: true; result: unknown }>();
  return {
    async once<T>(name: string, key: string, effect: () => Promise<T>): Promise<T> {
      const id = JSON.stringify([name, key]);
      const existing = claims.get(id);
      if (existing?.done) return structuredClone(existing.result) as T;
      if (existing) throw new EffectInProgressError(name, key);
      claims.set(id, { done: false });
      try {
        const result = await effect();
        claims.set(id, { done: true, result });
        return result;
      } catch (error) {
        claims.delete(id);
        throw error;
      }
    },
    async act<Looked, Result>(
      name: string,
      key: string,
      { look, effect, record }: EffectSteps<Looked, Result>,
    ): Promise<void> {
      const id = JSON.stringify([name, key]);
      const existing = claims.get(id);
      if (existing) {
        const looked = await look('found');
        if (looked === undefined) return;
        if (!existing.done) throw new EffectInProgressError(name, key);
        await record(looked, structuredClone(existing.result) as Result);
        return;
      }
      claims.set(id, { done: false });
      const looked = await look('taken');
      if (looked === undefined) return;
      let result: Result;
      try {
        result = await effect(looked);
      } catch (error) {
        claims.delete(id);
        throw error;
      }
      try {
        await record(looked, result);
      } catch (error) {
        claims.set(id, { done: true, result });
        throw error;
      }
    },
    useLambdaContext() {},
  };
}
