import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo root: Lambda entries live in the service packages, bundled from source. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The AWS composition root of a service (`services/<svc>/src/aws/<file>.ts`) or of the platform. */
export function lambdaEntry(relative: string): string {
  return join(repoRoot, relative);
}
