import { type EffectClaims, EffectInProgressError } from '../effectClaims';

/**
 * {@link EffectClaims} in a Map, for unit tests of handlers that have no engine: the same rules
 * (one effect per name and key, duplicates get the first result or {@link EffectInProgressError},
 * a failed effect releases its claim), without leases or expiry.
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
    useLambdaContext() {},
  };
}
