/** A Lambda was deployed without a setting its composition root needs (a stack wiring bug). */
export class MissingConfigurationError extends Error {
  override readonly name = 'MissingConfigurationError';
  constructor(readonly variable: string) {
    super(`environment variable ${variable} is not set: the stack must pass it to this function`);
  }
}

/** Reads one required environment variable; fails the cold start loudly when it is missing. */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') throw new MissingConfigurationError(name);
  return value;
}
