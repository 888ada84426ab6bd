/** A handler received an event its subscription does not route to it: a wiring bug, dead-lettered. */
export class UnexpectedEventError extends Error {
  override readonly name = 'UnexpectedEventError';
  constructor(
    readonly handler: string,
    readonly eventType: string,
  ) {
    super(`${handler} does not handle ${eventType}: check its subscription pattern`);
  }
}
