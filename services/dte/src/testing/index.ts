/** Test helpers other packages' tests use (`@mtd/dte/testing`): issuer, CAFs, credentials. */
export {
  aTestCaf,
  memoryCafStore,
  recordingAlerts,
  testAuthority,
  testCredentials,
  testIssuer,
} from './testIssuer';
