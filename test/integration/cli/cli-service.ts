/**
 * A real `gofer service start` for the CLI tests, with the fixed test tokens (`mgmt`, `client`,
 * `ext`) and, unless told otherwise, the in-process scheduler, plus a `CliRunner` that talks to
 * it with the management token from a home directory of its own.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliRunner } from '../../support/cli-runner.js';
import { installFixedTokenAuthPlugin } from '../../support/fixed-token-auth-plugin.js';
import { ServiceProcess } from '../../support/service-process.js';

export interface CliService {
  service: ServiceProcess;
  cli: CliRunner;
  /** The CLI's home directory, where `~/.config/gofer/cli.toml` would be. */
  home: string;
  stop(): Promise<void>;
}

export async function startCliService(env: Record<string, string> = {}): Promise<CliService> {
  const pluginDir = installFixedTokenAuthPlugin();
  const service = new ServiceProcess(
    {
      GOFER_AUTH__ENGINE: 'fixed-token',
      GOFER_PLUGINS__PATHS: pluginDir,
      GOFER_SCHEDULER__ENGINE: 'inprocess',
      GOFER_RUNS__CANCEL_GRACE: '300ms',
      // Outside dev mode the secret store needs a key; a fresh one, since tests keep no secrets.
      GOFER_SECRET_STORE__SQLITE__ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      ...env,
    },
    undefined,
    { devMode: false, token: 'mgmt' },
  );
  await service.start();
  const home = mkdtempSync(join(tmpdir(), 'gofer-cli-home-'));
  const cli = new CliRunner({
    HOME: home,
    GOFER_CLI_ADDRESS: service.address,
    GOFER_CLI_TOKEN: 'mgmt',
  });
  return {
    service,
    cli,
    home,
    async stop() {
      await service.stop();
      for (const dir of [home, pluginDir, service.dataDir])
        rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An in-process task: `command` names one of the scheduler's built-in programs. */
export const task = (id: string, command: string[], extra: Record<string, unknown> = {}) => ({
  id,
  image: 'inprocess',
  command,
  ...extra,
});
