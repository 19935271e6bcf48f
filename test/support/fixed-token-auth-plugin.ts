/**
 * The fixed token table of `FixedTokenAuth` as an installable auth plugin, so that a real kernel
 * (in this process or in a `gofer service start`) authenticates test tokens through the same
 * plugin path as any installed plugin. The manifest is written at run time because the build
 * copies manifests only from the source folders that ship.
 *
 * Tokens: `mgmt` (management `admin`), `client` (client `ci-bot`, namespace `default` only) and
 * `ext` (extension `cron`, every namespace).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Auth, Principal } from '../../kernel/contracts/auth.js';
import type { PluginFactory } from '../../kernel/contracts/plugin.js';
import { FixedTokenAuth } from './fixed-token-auth.js';

export const TEST_TOKENS: Readonly<Record<string, Principal>> = {
  mgmt: { kind: 'management', name: 'admin', namespaces: [] },
  client: { kind: 'client', name: 'ci-bot', namespaces: ['default'] },
  ext: { kind: 'extension', name: 'cron', namespaces: ['*'] },
};

const createFixedTokenAuth: PluginFactory<Auth> = () => new FixedTokenAuth({ ...TEST_TOKENS });

export default createFixedTokenAuth;

/** Writes the plugin's manifest into a new folder and returns the folder, for `plugins.paths`. */
export function installFixedTokenAuthPlugin(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gofer-test-auth-'));
  const manifest = {
    id: 'gofer-test.auth.fixed-token',
    kind: 'auth',
    name: 'fixed-token',
    version: '0.1.0',
    kernel: '*',
    entry: fileURLToPath(import.meta.url),
    description: 'Test tokens mgmt, client and ext.',
  };
  writeFileSync(join(dir, 'gofer-plugin.json'), JSON.stringify(manifest, null, 2));
  return dir;
}

/**
 * Kernel settings for a kernel that checks tokens: no dev mode, this plugin, and the encryption
 * key the secret store insists on outside dev mode (a fresh one: tests keep no secrets).
 */
export function tokenCheckingSettings() {
  return {
    dev_mode: false,
    auth: { engine: 'fixed-token' },
    plugins: { paths: [installFixedTokenAuthPlugin()] },
    secret_store: { sqlite: { encryption_key: randomBytes(32).toString('hex') } },
  };
}
