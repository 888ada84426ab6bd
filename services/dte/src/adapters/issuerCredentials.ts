import { generateKeyPairSync } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Clock } from '@mtd/platform';
import forge from 'node-forge';
import type { SigningCredentials } from '#signing/xmlSignature';

/**
 * The issuer's current signing credentials. Read for every document, so a renewed certificate signs
 * the next document at once; documents already issued keep the certificate they embed.
 */
export interface CredentialsSource {
  current(): Promise<SigningCredentials>;
}

/** The credentials cannot be read (missing secret, unreadable file): nothing can be signed. */
export class CredentialsUnavailableError extends Error {
  override readonly name = 'CredentialsUnavailableError';
}

const dayMs = 24 * 60 * 60 * 1000;

/**
 * A self-signed test certificate (RSA 2048, SHA-256): valid from a day before `now` to `days` after, so
 * it never depends on today's date but on the clock passed in. The subject names the signer's RUT in
 * `serialNumber`, as Chilean certificates do. For local runs and tests only: the SII accepts only
 * certificates from its accredited authorities.
 */
export function selfSignedCredentials(input: {
  now: Date;
  rut: string;
  name: string;
  days?: number;
}): SigningCredentials {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(privateKeyPem) as forge.pki.rsa.PrivateKey;
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  certificate.serialNumber = `01${input.now.getTime().toString(16)}`;
  certificate.validity.notBefore = new Date(input.now.getTime() - dayMs);
  certificate.validity.notAfter = new Date(input.now.getTime() + (input.days ?? 365) * dayMs);
  const subject = [
    { name: 'commonName', value: input.name },
    { name: 'serialNumber', value: input.rut },
    { name: 'countryName', value: 'CL' },
  ];
  certificate.setSubject(subject);
  certificate.setIssuer(subject);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true },
  ]);
  certificate.sign(key, forge.md.sha256.create());
  return { privateKeyPem, certificatePem: forge.pki.certificateToPem(certificate) };
}

async function writeSecret(path: string, content: string): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeFile(temporary, content, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}

/**
 * Local credentials in `dir` (`issuer-key.pem`, `issuer-certificate.pem`, both 0600, the folder 0700):
 * generated self-signed on first start (validity from `clock`), then read from there. Replacing the two
 * files renews the certificate; they are re-read at most every `cacheMs`.
 */
export function localCredentials(options: {
  dir: string;
  clock: Clock;
  rut: string;
  name: string;
  cacheMs?: number;
}): CredentialsSource & { ensure(): Promise<SigningCredentials> } {
  const keyPath = join(options.dir, 'issuer-key.pem');
  const certificatePath = join(options.dir, 'issuer-certificate.pem');
  let cached: { at: number; credentials: SigningCredentials } | undefined;
  async function read(): Promise<SigningCredentials | undefined> {
    try {
      return {
        privateKeyPem: await readFile(keyPath, 'utf8'),
        certificatePem: await readFile(certificatePath, 'utf8'),
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new CredentialsUnavailableError(`cannot read the issuer certificate in ${options.dir}`, {
        cause: error,
      });
    }
  }
  async function ensure(): Promise<SigningCredentials> {
    const existing = await read();
    if (existing) return existing;
    const created = selfSignedCredentials({ now: options.clock.now(), rut: options.rut, name: options.name });
    await mkdir(options.dir, { recursive: true, mode: 0o700 });
    await chmod(options.dir, 0o700);
    await writeSecret(keyPath, created.privateKeyPem);
    await writeSecret(certificatePath, created.certificatePem);
    return created;
  }
  return {
    ensure,
    async current() {
      const now = options.clock.now().getTime();
      if (cached && now - cached.at < (options.cacheMs ?? 60_000)) return cached.credentials;
      const credentials = await ensure();
      cached = { at: now, credentials };
      return credentials;
    },
  };
}

/**
 * Credentials from AWS Secrets Manager: the secret's JSON `{ "privateKeyPem": …, "certificatePem": … }`.
 * Rotating the secret renews the certificate for documents signed after the cache expires.
 */
export function secretsManagerCredentials(options: {
  secrets: SecretsManagerClient;
  secretId: string;
  clock: Clock;
  cacheMs?: number;
}): CredentialsSource {
  let cached: { at: number; credentials: SigningCredentials } | undefined;
  return {
    async current() {
      const now = options.clock.now().getTime();
      if (cached && now - cached.at < (options.cacheMs ?? 5 * 60_000)) return cached.credentials;
      const { SecretString } = await options.secrets.send(
        new GetSecretValueCommand({ SecretId: options.secretId }),
      );
      let parsed: Partial<SigningCredentials>;
      try {
        parsed = JSON.parse(SecretString ?? '{}') as Partial<SigningCredentials>;
      } catch (error) {
        throw new CredentialsUnavailableError(`secret ${options.secretId} is not JSON`, { cause: error });
      }
      if (!parsed.privateKeyPem || !parsed.certificatePem) {
        throw new CredentialsUnavailableError(
          `secret ${options.secretId} lacks privateKeyPem or certificatePem`,
        );
      }
      const credentials = { privateKeyPem: parsed.privateKeyPem, certificatePem: parsed.certificatePem };
      cached = { at: now, credentials };
      return credentials;
    },
  };
}
