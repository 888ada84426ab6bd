export * from './demoFeed';
export * from './runtime';
export * from './sampleOrders';
export * from './taxAuthoritySimulator';
