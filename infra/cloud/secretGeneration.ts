import { randomInt } from 'node:crypto';

/** `AWS::SecretsManager::Secret` `GenerateSecretString`, as a template declares it. */
export interface GenerateSecretString {
  PasswordLength?: number;
  ExcludeCharacters?: string;
  ExcludeLowercase?: boolean;
  ExcludeNumbers?: boolean;
  ExcludePunctuation?: boolean;
  ExcludeUppercase?: boolean;
  IncludeSpace?: boolean;
  RequireEachIncludedType?: boolean;
  SecretStringTemplate?: string;
  GenerateStringKey?: string;
}

/** Secrets Manager's punctuation set (GetRandomPassword, ExcludePunctuation). */
const punctuation = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/**
 * The value CloudFormation gives a secret declared with GenerateSecretString: a random password of
 * the declared length and character types (32 characters, every type, each included type present by
 * default), alone or under `GenerateStringKey` in `SecretStringTemplate`
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-secretsmanager-secret-generatesecretstring.html).
 */
export function generatedSecretString(spec: GenerateSecretString): string {
  const excluded = new Set(spec.ExcludeCharacters ?? '');
  const types = [
    spec.ExcludeLowercase ? '' : 'abcdefghijklmnopqrstuvwxyz',
    spec.ExcludeUppercase ? '' : 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
    spec.ExcludeNumbers ? '' : '0123456789',
    spec.ExcludePunctuation ? '' : punctuation,
    spec.IncludeSpace ? ' ' : '',
  ]
    .map((set) => [...set].filter((c) => !excluded.has(c)).join(''))
    .filter((set) => set.length > 0);
  const alphabet = types.join('');
  if (!alphabet) throw new Error('GenerateSecretString excludes every character');
  const length = spec.PasswordLength ?? 32;
  let password: string;
  do {
    password = Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
  } while (
    (spec.RequireEachIncludedType ?? true) &&
    length >= types.length &&
    !types.every((set) => [...password].some((c) => set.includes(c)))
  );
  if (spec.GenerateStringKey === undefined) return password;
  const template = JSON.parse(spec.SecretStringTemplate ?? '{}') as Record<string, unknown>;
  return JSON.stringify({ ...template, [spec.GenerateStringKey]: password });
}
