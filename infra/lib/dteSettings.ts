import { type DteSettings, validDteSettings } from '@mtd/dte';
import type { StageName } from './stage';

/**
 * The issuer as the SII registered it. The same company issues in every stage; what differs is the
 * SII environment (certification, `maullin`, in dev and qa; production, `palena`, in prod) and the
 * resolution that authorises it there: in certification the SII's resolution number is 0 and its
 * date the day the company was admitted to certification; in production both come from the SII's
 * resolution authorising electronic issuance.
 */
const issuer = {
  rut: '76543210-3',
  name: 'Comercial MTD SpA',
  giro: 'Venta al por menor por correo y por internet',
  acteco: 479100,
  address: 'Av. Providencia 1234, oficina 501',
  comuna: 'Providencia',
  /** The person whose certificate signs and sends (Carátula RutEnvia): the legal representative. */
  senderRut: '12345678-5',
} as const;

const certification = { date: '2026-01-15', number: 0 } as const;

/**
 * The dte service's settings per stage: issuer, resolution, when to warn about folios and the
 * certificate, and the broadcast retry budget. Validated against the SII's limits when the stack is
 * synthesised (`validDteSettings`), so `cdk synth` refuses a setting the SII would refuse, naming it.
 */
const settings: Record<StageName, DteSettings> = {
  dev: {
    issuer: { ...issuer, resolution: certification },
    folioLowWater: 20,
    certificateWarningDays: 30,
    broadcast: { maxAttempts: 3, baseMs: 2_000, maxMs: 60_000 },
    statusPollMs: 30_000,
  },
  qa: {
    issuer: { ...issuer, resolution: certification },
    folioLowWater: 50,
    certificateWarningDays: 30,
    broadcast: { maxAttempts: 5, baseMs: 2_000, maxMs: 300_000 },
    statusPollMs: 30_000,
  },
  prod: {
    issuer: { ...issuer, resolution: { date: '2026-03-02', number: 80 } },
    // About a day of peak load (500 orders/min is the seed peak; boletas dominate): time to ask the
    // SII for a new CAF and load it.
    folioLowWater: 5_000,
    certificateWarningDays: 45,
    broadcast: { maxAttempts: 8, baseMs: 2_000, maxMs: 900_000 },
    statusPollMs: 60_000,
  },
};

/** A stage's dte settings, checked against the SII's limits (throws `DteConfigurationError`). */
export function dteSettings(stage: StageName): DteSettings {
  return validDteSettings(settings[stage]);
}
