// `npm run build:portal -w @mtd/backoffice -- DIR`: writes the portal (index.html, assets/portal.js,
// assets/portal.css) under DIR, for the S3 upload after `cdk deploy` (infra/README.md).
import { resolve } from 'node:path';
import { writePortal } from '../src/adapters/portalBundle';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: npm run build:portal -w @mtd/backoffice -- <output folder>');
  process.exit(2);
}
await writePortal(resolve(dir));
console.log(`portal written to ${resolve(dir)}`);
