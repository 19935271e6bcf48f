import picomatch from 'picomatch';
import type { SecretService as SecretApi } from '../api/kernel-services.js';
import type { SecretInfo, SecretKey, SecretStore } from '../contracts/secret-store.js';
import type { StateStore } from '../contracts/state-store.js';
import { GoferError, invalidArgument } from '../errors.js';
import { STORE_KEY_PATTERN } from '../../sdk/config/store-reference.js';

/**
 * Values shorter than this are refused: masking a two-letter secret would blank out every
 * occurrence of those letters in the logs, and a short secret is guessable anyway.
 */
export const MIN_SECRET_BYTES = 6;

/** Namespace patterns: names, with `*` and `?` as the only wildcards. */
const NAMESPACE_PATTERN = /^[A-Za-z0-9_*?-]{1,64}$/;

/**
 * Pipeline and global secrets over the secret store plugin. Values are refused when too short
 * to mask, global secrets carry the namespaces allowed to use them, and values leave this
 * service only when a caller asks for them (or a task reference needs them).
 */
export class SecretService implements SecretApi {
  constructor(
    private readonly store: StateStore,
    private readonly secrets: SecretStore,
  ) {}

  async listPipeline(namespace: string, pipeline: string): Promise<SecretInfo[]> {
    await this.store.getPipeline(namespace, pipeline);
    return this.secrets.list({ namespace, pipeline });
  }

  async getPipeline(namespace: string, pipeline: string, key: string, includeValue: boolean) {
    await this.store.getPipeline(namespace, pipeline);
    return this.read({ namespace, pipeline, key }, includeValue);
  }

  async putPipeline(
    namespace: string,
    pipeline: string,
    key: string,
    value: Buffer,
    opts: { force: boolean },
  ): Promise<SecretInfo> {
    checkKey(key);
    checkValue(key, value);
    await this.store.getPipeline(namespace, pipeline);
    return this.secrets.put({ namespace, pipeline, key }, value, { force: opts.force });
  }

  async deletePipeline(namespace: string, pipeline: string, key: string): Promise<void> {
    await this.store.getPipeline(namespace, pipeline);
    await this.secrets.delete({ namespace, pipeline, key });
  }

  listGlobal(): Promise<SecretInfo[]> {
    return this.secrets.list({});
  }

  getGlobal(key: string, includeValue: boolean) {
    return this.read({ key }, includeValue);
  }

  async putGlobal(
    key: string,
    value: Buffer,
    opts: { force: boolean; namespaces: string[] },
  ): Promise<SecretInfo> {
    checkKey(key);
    checkValue(key, value);
    const namespaces = opts.namespaces.map((n) => n.trim()).filter((n) => n !== '');
    namespaces.forEach(checkNamespacePattern);
    return this.secrets.put({ key }, value, { force: opts.force, namespaces });
  }

  deleteGlobal(key: string): Promise<void> {
    return this.secrets.delete({ key });
  }

  /** Deletes every pipeline secret of a namespace or pipeline; for the registries' delete. */
  async deleteScope(prefix: { namespace: string; pipeline?: string }): Promise<void> {
    await this.secrets.deleteAll(prefix);
  }

  /**
   * The value of a global secret for a task in `namespace`: NOT_FOUND when missing,
   * PERMISSION_DENIED when the secret does not allow the namespace.
   */
  async globalValueFor(namespace: string, key: string): Promise<Buffer> {
    const { info, value } = await this.secrets.get({ key });
    if (!namespaceAllowed(info.namespaces, namespace)) {
      throw new GoferError(
        'PERMISSION_DENIED',
        `global secret "${key}" does not allow namespace "${namespace}" (allowed: ${
          info.namespaces.join(', ') || 'none'
        })`,
        `add the namespace with \`gofer secret global put ${key}=... --namespaces ${namespace} --force\``,
      );
    }
    return value;
  }

  pipelineValue(namespace: string, pipeline: string, key: string): Promise<Buffer> {
    return this.secrets.get({ namespace, pipeline, key }).then((s) => s.value);
  }

  private async read(key: SecretKey, includeValue: boolean) {
    if (!includeValue) return { info: await this.secrets.info(key) };
    return this.secrets.get(key);
  }
}

export function namespaceAllowed(patterns: readonly string[], namespace: string): boolean {
  return patterns.some((p) => picomatch(p)(namespace));
}

function checkNamespacePattern(pattern: string): void {
  let valid = NAMESPACE_PATTERN.test(pattern);
  try {
    if (valid) picomatch.makeRe(pattern);
  } catch {
    valid = false;
  }
  if (!valid) {
    throw invalidArgument(
      `namespace pattern ${JSON.stringify(pattern)} is not valid: use a namespace name, or ` +
        'one with * and ? as wildcards matching the whole name',
      'e.g. --namespaces team-a,team-*',
    );
  }
}

function checkKey(key: string): void {
  if (!STORE_KEY_PATTERN.test(key)) {
    throw invalidArgument(
      `secret key ${JSON.stringify(key)} must be 1 to 128 letters, digits, "_", "." or "-"`,
      'rename the key, e.g. deploy_token',
    );
  }
}

function checkValue(key: string, value: Buffer): void {
  if (value.length < MIN_SECRET_BYTES) {
    throw invalidArgument(
      `secret "${key}" is ${value.length} bytes; secrets must be at least ${MIN_SECRET_BYTES} ` +
        'bytes so that masking them in logs is safe',
      `use a value of ${MIN_SECRET_BYTES} bytes or more`,
    );
  }
}
