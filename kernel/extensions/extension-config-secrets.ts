/**
 * Extension config values that are secret (a webhook secret, an API key) need not sit in the
 * state database: a value written as `global_secret{{ key }}` names a global secret, and only
 * that reference is stored. The extension is given the secret's value each time it starts.
 * Other store references make no sense for an installation-wide extension and are refused, as
 * are values that start like a reference but are not one, and near misses such as
 * `global_secret {{ key }}`, which would otherwise be stored as the secret itself; every other
 * value is literal.
 */
import { parseStoreReference } from '../../sdk/config/store-reference.js';
import { failedPrecondition, invalidArgument, type GoferError } from '../errors.js';

/** A reference kind followed by braces with something in between, e.g. `global_secret {{k}}`. */
const NEAR_MISS = /\b(global_secret|pipeline_secret|pipeline_object|run_object)\W*\{\{/i;

/** Reads a global secret's value; rejects with NOT_FOUND when there is none. */
export type GlobalSecretReader = (key: string) => Promise<Buffer>;

/** The global secrets the config names, by config key; throws INVALID_ARGUMENT for a bad value. */
export function configSecretKeys(config: Record<string, string>): Map<string, string> {
  const keys = new Map<string, string>();
  for (const [name, value] of Object.entries(config)) {
    const parsed = parseStoreReference(value);
    if (parsed.type === 'literal' && NEAR_MISS.test(value)) {
      // Taken literally, a mistyped reference would be stored as the secret itself.
      throw invalidArgument(
        `config ${name}: ${JSON.stringify(value)} looks like a store reference but is not one`,
        'write global_secret{{ key }} with nothing between the name and the braces',
      );
    }
    if (parsed.type === 'literal') continue;
    if (parsed.type === 'malformed') {
      throw invalidArgument(`config ${name}: ${parsed.problem}`, 'write global_secret{{ key }}');
    }
    if (parsed.reference.kind !== 'global_secret') {
      throw invalidArgument(
        `config ${name} refers to a ${parsed.reference.kind}, which an extension cannot use: ` +
          'extensions belong to the installation, not to a pipeline or run',
        'put the value in a global secret and write global_secret{{ key }}',
      );
    }
    keys.set(name, parsed.reference.key);
  }
  return keys;
}

/** Refuses, before anything is stored, a config that names global secrets that do not exist. */
export async function checkConfigSecrets(
  config: Record<string, string>,
  read: GlobalSecretReader,
): Promise<void> {
  for (const [name, key] of configSecretKeys(config)) {
    await read(key).catch((err: unknown) => {
      throw missingSecret(name, key, err);
    });
  }
}

/** The config as the extension receives it: every secret reference replaced by its value. */
export async function resolveConfigSecrets(
  config: Record<string, string>,
  read: GlobalSecretReader,
): Promise<Record<string, string>> {
  const resolved = { ...config };
  for (const [name, key] of configSecretKeys(config)) {
    try {
      resolved[name] = (await read(key)).toString('utf8');
    } catch (err) {
      throw missingSecret(name, key, err);
    }
  }
  return resolved;
}

function missingSecret(name: string, key: string, err: unknown): GoferError {
  const reason = err instanceof Error ? err.message : String(err);
  return failedPrecondition(
    `config ${name} names global secret "${key}", which cannot be read: ${reason}`,
    `put it first with \`gofer secret global put ${key}=...\``,
  );
}
