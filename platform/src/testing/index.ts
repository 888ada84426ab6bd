export * from './deciderSpec';
export * from './testEngine';
