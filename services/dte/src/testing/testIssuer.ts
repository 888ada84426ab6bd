import { generateKeyPairSync } from 'node:crypto';
import type { DteType } from '@mtd/contracts';
import type { CafStore } from '#adapters/cafStore';
import { type CredentialsSource, selfSignedCredentials } from '#adapters/issuerCredentials';
import type { OperationsAlerts } from '#adapters/operationsAlerts';
import type { Issuer } from '#domain/dteXml';
import { type Caf, parseCaf } from '#signing/caf';
import { issueCaf } from '#signing/cafIssuer';
import type { SigningCredentials } from '#signing/xmlSignature';

/** The issuer every dte test issues as. */
export const testIssuer: Issuer = {
  rut: '76543210-3',
  name: 'Comercial MTD SpA',
  giro: 'Venta al por menor por correo y por internet',
  acteco: 479100,
  address: 'Av. Providencia 1234',
  comuna: 'Providencia',
  senderRut: '11111111-1',
  resolution: { date: '2026-01-15', number: 0 },
};

/** A test authority (the "SII") that signs CAFs: its public key is what a verifier checks FRMA with. */
export const testAuthority = generateKeyPairSync('rsa', { modulusLength: 1024 });

/** A CAF of `dteType` for folios `from`..`to`, issued to the test issuer by the test authority. */
export function aTestCaf(dteType: DteType, from: number, to: number, issuerRut = testIssuer.rut): Caf {
  return parseCaf(
    issueCaf({
      authorityKey: testAuthority.privateKey,
      issuerRut,
      issuerName: testIssuer.name,
      dteType,
      from,
      to,
      authorizedOn: '2026-11-01',
    }),
  );
}

/** CAFs held in memory; `add` loads another one, as an operator would with `mtd caf load`. */
export function memoryCafStore(initial: Caf[]): CafStore & { add(caf: Caf): void } {
  const cafs = [...initial];
  return {
    async list(dteType) {
      return cafs.filter((c) => c.dteType === dteType).sort((a, b) => a.from - b.from);
    },
    add: (caf) => {
      cafs.push(caf);
    },
  };
}

let credentials: SigningCredentials | undefined;
/** A self-signed certificate valid around the test clock's dates (generated once per test file). */
export function testCredentials(): SigningCredentials {
  credentials ??= selfSignedCredentials({
    now: new Date('2026-11-24T00:00:00.000Z'),
    rut: testIssuer.senderRut,
    name: 'MTD Test Signer',
  });
  return credentials;
}

export const testCredentialsSource: CredentialsSource = { current: async () => testCredentials() };

/** Alerts a test can read back. */
export function recordingAlerts(): OperationsAlerts & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    foliosRunningLow: ({ dteType, remaining }) => seen.push(`low ${dteType} ${remaining}`),
    foliosExhausted: ({ dteType, orderId }) => seen.push(`exhausted ${dteType} ${orderId}`),
    certificateExpiring: ({ daysLeft }) => seen.push(`certificate ${daysLeft}`),
  };
}
