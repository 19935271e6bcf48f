import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Auth } from '../../../kernel/contracts/auth.js';
import type { Logger } from '../../../kernel/contracts/logger.js';
import type {
  PluginContext,
  PluginFactory,
  PluginManifest,
} from '../../../kernel/contracts/plugin.js';

const pluginDir = join(dirname(fileURLToPath(import.meta.url)), '../../../plugins/allow-all-auth');

interface LogLine {
  level: string;
  fields: Record<string, unknown>;
  msg: string;
}

// A logger that keeps what it is given, so the test can read the warning back.
function recordingLogger(lines: LogLine[]): Logger {
  const at =
    (level: string) =>
    (fields: Record<string, unknown>, msg: string): void => {
      lines.push({ level, fields, msg });
    };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return logger;
}

function readManifest(): PluginManifest {
  return JSON.parse(readFileSync(join(pluginDir, 'gofer-plugin.json'), 'utf8'));
}

// Loads the plugin the way a host does: through the manifest's entry.
async function createFromManifest(lines: LogLine[]): Promise<Auth> {
  const entry = pathToFileURL(join(pluginDir, readManifest().entry)).href;
  const factory = (await import(entry)).default as PluginFactory<Auth>;
  const ctx: PluginContext = {
    kernelVersion: '0.1.0',
    config: {},
    logger: recordingLogger(lines),
    dataDir: '/nonexistent',
    devMode: true,
    contracts: {},
  };
  return factory(ctx);
}

describe('allow-all auth plugin', () => {
  it('declares itself as the allow-all auth plugin in its manifest', () => {
    const manifest = readManifest();
    assert.equal(manifest.id, 'gofer.auth.allow-all');
    assert.equal(manifest.kind, 'auth');
    assert.equal(manifest.name, 'allow-all');
    assert.equal(manifest.kernel, '^0.1.0');
  });

  it('warns at creation that every call is allowed without a token, for development only', async () => {
    const lines: LogLine[] = [];
    await createFromManifest(lines);

    const warnings = lines.filter((line) => line.level === 'warn');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0].msg, /every API call is allowed without a token/);
    assert.match(warnings[0].msg, /development only/);
  });

  it('turns any caller, with or without a token, into the development principal', async () => {
    const auth = await createFromManifest([]);
    const expected = { kind: 'development', name: 'development', namespaces: ['*'] };

    assert.deepEqual(await auth.authenticate(undefined), expected);
    assert.deepEqual(await auth.authenticate(''), expected);
    assert.deepEqual(await auth.authenticate('not-a-real-token'), expected);
  });

  it('hands out a fresh principal each time, so one caller cannot change the next', async () => {
    const auth = await createFromManifest([]);
    const first = await auth.authenticate(undefined);
    (first.namespaces as string[]).length = 0;
    first.name = 'changed';

    assert.deepEqual(await auth.authenticate(undefined), {
      kind: 'development',
      name: 'development',
      namespaces: ['*'],
    });
  });

  it('allows management, namespace and open requests alike', async () => {
    const auth = await createFromManifest([]);
    const principal = await auth.authenticate(undefined);

    await auth.authorize(principal, { method: '/gofer.v1.System/Shutdown', scope: 'management' });
    await auth.authorize(principal, {
      method: '/gofer.v1.Runs/StartRun',
      scope: 'namespace',
      namespace: 'anything-at-all',
    });
    await auth.authorize(principal, { method: '/gofer.v1.System/Info', scope: 'any' });
  });
});
