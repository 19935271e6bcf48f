import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkConfigSecrets,
  configSecretKeys,
  resolveConfigSecrets,
} from '../../../kernel/extensions/extension-config-secrets.js';

const secrets: Record<string, string> = { hook: 'the-webhook-secret' };
const read = async (key: string) => {
  if (!(key in secrets))
    throw Object.assign(new Error(`secret "${key}" not found`), { code: 'NOT_FOUND' });
  return Buffer.from(secrets[key]);
};

describe('secret references in extension config', () => {
  it('resolves global_secret references in any case and spacing, and keeps literals', async () => {
    const config = {
      webhook_secret: 'GLOBAL_SECRET{{ hook }}',
      repository: 'octo/repo',
      note: 'braces {{ alone }} are literal',
    };
    assert.deepEqual(await resolveConfigSecrets(config, read), {
      webhook_secret: 'the-webhook-secret',
      repository: 'octo/repo',
      note: 'braces {{ alone }} are literal',
    });
    assert.deepEqual([...configSecretKeys(config)], [['webhook_secret', 'hook']]);
  });

  it('refuses a reference to a secret that does not exist, naming it and the command', async () => {
    await assert.rejects(checkConfigSecrets({ token: 'global_secret{{missing}}' }, read), {
      code: 'FAILED_PRECONDITION',
      message: /config token names global secret "missing"/,
      fix: /gofer secret global put missing=/,
    });
  });

  for (const value of [
    'global_secret {{ hook }}',
    'global_secret:{{hook}}',
    'use global_secret{{hook}} here',
  ]) {
    it(`refuses the near miss ${JSON.stringify(value)} instead of storing it as the secret`, () => {
      assert.throws(() => configSecretKeys({ webhook_secret: value }), {
        code: 'INVALID_ARGUMENT',
        message: /looks like a store reference but is not one/,
      });
    });
  }

  it('refuses references to pipeline secrets and objects, and malformed ones', () => {
    assert.throws(() => configSecretKeys({ k: 'pipeline_secret{{hook}}' }), /cannot use/);
    assert.throws(() => configSecretKeys({ k: 'run_object{{x}}' }), /cannot use/);
    assert.throws(() => configSecretKeys({ k: 'global_secret{{two words}}' }), {
      code: 'INVALID_ARGUMENT',
    });
  });
});
