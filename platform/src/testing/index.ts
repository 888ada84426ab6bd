export * from './deciderSpec';
export * from './newEvents';
export * from './testEngine';
export * from './inMemoryEffectClaims';
