export * from './deciderSpec';
export * from './dynamoCallLog';
export * from './inMemoryEffectClaims';
export * from './newEvents';
export * from './testEngine';
