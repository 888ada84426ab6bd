export * from './deciderSpec';
export * from './inMemoryEffectClaims';
export * from './newEvents';
export * from './testEngine';
