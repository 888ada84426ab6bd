import { readFileSync } from 'node:fs';
import { XmlDocument, XmlError, XmlLibError, XsdValidator } from 'libxml2-wasm';
import { xmlRegisterFsInputProviders } from 'libxml2-wasm/lib/nodejs.mjs';
import { validateXML } from 'xmllint-wasm';
import { type SiiSchema, siiSchemaOf } from '#src/siiSchema';

export { type SiiSchema, siiSchemaOf };

export interface SiiSchemaValidation {
  valid: boolean;
  /** libxml2's messages, one per error, with the line. */
  errors: string[];
}

/** The SII's own files (byte-identical copies, see `sii-schemas/README.md`). */
export const siiSchemaDirectory = new URL('../sii-schemas/', import.meta.url);

const schemaFiles: Record<SiiSchema, { main: string; imports: string[] }> = {
  DTE: { main: 'DTE_v10.xsd', imports: ['SiiTypes_v10.xsd', 'xmldsignature_v10.xsd'] },
  EnvioDTE: {
    main: 'EnvioDTE_v10.xsd',
    imports: ['DTE_v10.xsd', 'SiiTypes_v10.xsd', 'xmldsignature_v10.xsd'],
  },
  EnvioBOLETA: { main: 'EnvioBOLETA_v11.xsd', imports: ['xmldsignature_v10.xsd'] },
};

const files = new Map<string, Uint8Array>();
function schemaFile(name: string) {
  let contents = files.get(name);
  if (!contents) {
    contents = new Uint8Array(readFileSync(new URL(name, siiSchemaDirectory)));
    files.set(name, contents);
  }
  return { fileName: name, contents };
}

/**
 * Validates a document against the SII's XSDs with libxml2 (xmllint compiled to WebAssembly): a real
 * XSD validator, the same engine as `xmllint --schema`. The XML is handed over as the ISO-8859-1 bytes
 * it declares. A boleta (39) has no standalone schema: it is valid inside an EnvioBOLETA.
 */
export async function validateSiiXml(
  xml: string,
  schema: SiiSchema = siiSchemaOf(xml) ?? 'DTE',
): Promise<SiiSchemaValidation> {
  const { main, imports } = schemaFiles[schema];
  const result = await validateXML({
    xml: [{ fileName: 'document.xml', contents: new Uint8Array(Buffer.from(xml, 'latin1')) }],
    schema: [schemaFile(main)],
    preload: imports.map(schemaFile),
  });
  return { valid: result.valid, errors: result.errors.map((e) => e.rawMessage ?? e.message) };
}

/**
 * Validates many documents in one libxml2 run per schema: loading the validator and the SII's schemas
 * costs far more (≈ 0.25 s of CPU) than validating one more document, so a receiver of many envelopes
 * validates them in batches. Results in the order given.
 */
export async function validateSiiXmlBatch(
  items: readonly { xml: string; schema: SiiSchema }[],
): Promise<SiiSchemaValidation[]> {
  const results: SiiSchemaValidation[] = items.map(() => ({ valid: true, errors: [] }));
  const bySchema = new Map<SiiSchema, number[]>();
  for (const [i, item] of items.entries())
    bySchema.set(item.schema, [...(bySchema.get(item.schema) ?? []), i]);
  for (const [schema, indexes] of bySchema) {
    const { main, imports } = schemaFiles[schema];
    const fileOf = (i: number) => `document-${i}.xml`;
    const result = await validateXML({
      xml: indexes.map((i) => ({
        fileName: fileOf(i),
        contents: new Uint8Array(Buffer.from(items[i]!.xml, 'latin1')),
      })),
      schema: [schemaFile(main)],
      preload: imports.map(schemaFile),
    });
    for (const i of indexes) {
      const errors = result.errors
        .filter((e) => e.loc?.fileName === fileOf(i))
        .map((e) => e.rawMessage ?? e.message);
      results[i] = { valid: errors.length === 0, errors };
    }
  }
  return results;
}

/**
 * A validator for a receiver of many documents (the local SII simulator): libxml2 (libxml2-wasm, the
 * same engine as xmllint) with each SII schema parsed and compiled once, on first use, and kept for
 * the process. Validating an envelope then costs about a millisecond of CPU, where a fresh xmllint
 * run per batch (`validateSiiXmlBatch`) re-reads and re-compiles the schemas every time (≈ 65 ms of
 * CPU per envelope in batches of 10). Synchronous: libxml2-wasm runs in this thread.
 */
export function compiledSiiSchemaValidator(): {
  validate(xml: string, schema?: SiiSchema): SiiSchemaValidation;
  close(): void;
} {
  const validators = new Map<SiiSchema, XsdValidator>();
  const validatorOf = (schema: SiiSchema): XsdValidator => {
    let validator = validators.get(schema);
    if (!validator) {
      // The main schema imports the others by file name: libxml2 reads them through Node's fs. (Documents
      // are parsed without DTD loading or entity substitution, so they cannot reach a file through it.)
      xmlRegisterFsInputProviders();
      const url = new URL(schemaFiles[schema].main, siiSchemaDirectory);
      const xsd = XmlDocument.fromBuffer(readFileSync(url), { url: url.href });
      try {
        validator = XsdValidator.fromDoc(xsd);
      } finally {
        xsd.dispose();
      }
      validators.set(schema, validator);
    }
    return validator;
  };
  return {
    validate(xml, schema = siiSchemaOf(xml) ?? 'DTE') {
      const validator = validatorOf(schema);
      let doc: XmlDocument;
      try {
        doc = XmlDocument.fromBuffer(new Uint8Array(Buffer.from(xml, 'latin1')));
      } catch (error) {
        if (!(error instanceof XmlError)) throw error;
        return { valid: false, errors: messagesOf(error) };
      }
      try {
        validator.validate(doc);
        return { valid: true, errors: [] };
      } catch (error) {
        if (!(error instanceof XmlError)) throw error;
        return { valid: false, errors: messagesOf(error) };
      } finally {
        doc.dispose();
      }
    },
    close() {
      for (const validator of validators.values()) validator.dispose();
      validators.clear();
    },
  };
}

/** libxml2's messages, each with its line, as xmllint prints them. */
function messagesOf(error: XmlError): string[] {
  const details = error instanceof XmlLibError ? error.details : [];
  if (details.length === 0) return [error.message.trim()];
  return details.map((d) => `${d.line ? `line ${d.line}: ` : ''}${d.message.trim()}`);
}
