/** The SII schemas a document can be validated against: one per root element MTD produces. */
export type SiiSchema = 'DTE' | 'EnvioDTE' | 'EnvioBOLETA';

/**
 * The root element's name, for choosing the schema of a document. Apart from the validator
 * (`@mtd/dte/siiSchemas`), whose libxml2-wasm costs ~16 MB of RSS from its import on (~150 MB when
 * loaded through tsx, which transforms its 960 KB module).
 */
export function siiSchemaOf(xml: string): SiiSchema | undefined {
  const root = /<(?!\?|!)([A-Za-z][\w.-]*)/.exec(xml)?.[1];
  return root === 'DTE' || root === 'EnvioDTE' || root === 'EnvioBOLETA' ? root : undefined;
}
