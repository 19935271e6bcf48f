import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StoreClient } from '../../../cli/store-client.js';
import type { KernelConfig } from '../../../kernel/config/kernel-config.js';
import { providedExtensionsDir } from '../../../kernel/extensions/provided-extensions.js';
import { skipWithoutDocker, within } from '../../support/docker-test-kit.js';
import {
  ensureProvidedImage,
  startProvidedKernel,
  until,
  type ProvidedKernel,
} from '../../support/provided-extension-kit.js';

const SECRET = 'it is a secret to everybody';
const GITHUB_WASM = join(providedExtensionsDir(), 'github', 'github.wasm');

// Signed with node:crypto, independently of the guest's own HMAC.
const sign = (body: string, secret = SECRET) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

const pushBody = JSON.stringify({
  ref: 'refs/heads/main',
  after: '0123456789abcdef0123456789abcdef01234567',
  repository: { full_name: 'Octo-Org/octo-repo' },
  sender: { login: 'octocat' },
});

const pullRequestBody = (action: string) =>
  JSON.stringify({
    action,
    number: 42,
    pull_request: {
      number: 42,
      head: { ref: 'feature', sha: 'feedfacefeedfacefeedfacefeedfacefeedface' },
      base: { ref: 'main' },
    },
    repository: { full_name: 'octo-org/octo-repo' },
    sender: { login: 'hubot' },
  });

describe('the provided github extension', { skip: skipWithoutDocker }, () => {
  let gofer: ProvidedKernel;

  const post = async (
    extension: string,
    event: string,
    body: string,
    signature?: string,
  ): Promise<{ status: number; json: Record<string, unknown> }> => {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': `delivery-${event}`,
    };
    if (signature !== undefined) headers['x-hub-signature-256'] = signature;
    const res = await fetch(gofer.eventsUrl(extension), { method: 'POST', headers, body });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  before(async () => {
    const image = await ensureProvidedImage('github');
    gofer = await startProvidedKernel();
    const config = { webhook_secret: SECRET };
    await gofer.ext.install({ name: 'github-wasm', source: GITHUB_WASM, config, grants: [] });
    await gofer.ext.install({ name: 'github-container', source: image, config, grants: [] });
    for (const runtime of ['wasm', 'container']) {
      const extension = `github-${runtime}`;
      await gofer.deploy(`${runtime}-on-push`);
      await gofer.deploy(`${runtime}-on-pr`);
      await gofer.ext.subscribe({
        namespace: 'default',
        pipeline: `${runtime}-on-push`,
        extension,
        label: 'push',
        settings: { repository: 'octo-org/octo-repo' },
      });
      await gofer.ext.subscribe({
        namespace: 'default',
        pipeline: `${runtime}-on-pr`,
        extension,
        label: 'pr',
        settings: { repository: 'octo-org/octo-repo', events: 'pull_request:opened|synchronize' },
      });
    }
  });
  after(async () => {
    await gofer?.stop();
  });

  it('is provided disabled, and refuses to start without a webhook secret', async () => {
    const provided = await gofer.ext.get('github');
    assert.equal(provided.enabled, false);
    await gofer.ext.install({ name: 'github-bare', source: GITHUB_WASM, config: {}, grants: [] });
    const refused = await until('github-bare to fail', async () => {
      const e = await gofer.ext.get('github-bare');
      return e.status === 'ERROR' ? e : undefined;
    });
    assert.match(refused.statusReason, /config "webhook_secret" is required/);
    await gofer.ext.uninstall('github-bare');
  });

  it('takes its webhook secret from a global secret, which never reaches the state database', async () => {
    const stored = 'kept in the secret store only';
    const store = new StoreClient({ address: gofer.kernel.address });
    try {
      await store.putGlobalSecret('github_hook', Buffer.from(stored));
      const install = (name: string, value: string) =>
        gofer.ext.install({
          name,
          source: GITHUB_WASM,
          config: { webhook_secret: value },
          grants: [],
        });
      const refusal = (code: string, message: RegExp, fix: RegExp) => (err: unknown) => {
        const e = err as { code?: string; message: string; fix?: string };
        assert.equal(e.code, code);
        assert.match(e.message, message);
        assert.match(e.fix ?? '', fix);
        return true;
      };
      await assert.rejects(
        install('github-missing', 'global_secret{{ no_such_secret }}'),
        refusal(
          'FAILED_PRECONDITION',
          /global secret "no_such_secret"/,
          /gofer secret global put no_such_secret=/,
        ),
      );
      await assert.rejects(
        install('github-pipeline', 'pipeline_secret{{ github_hook }}'),
        refusal('INVALID_ARGUMENT', /pipeline_secret, which an extension cannot use/, /global/),
      );
      await assert.rejects(
        install('github-broken', 'global_secret{{ two words }}'),
        refusal('INVALID_ARGUMENT', /config webhook_secret/, /global_secret/),
      );
      assert.deepEqual(
        (await gofer.ext.list())
          .map((e) => e.name)
          .filter((n) => /missing|pipeline|broken/.test(n)),
        [],
      );

      await install('github-hooked', 'global_secret{{ github_hook }}');
      await gofer.deploy('hooked-on-push');
      await gofer.ext.subscribe({
        namespace: 'default',
        pipeline: 'hooked-on-push',
        extension: 'github-hooked',
        label: 'push',
        settings: { repository: 'octo-org/octo-repo' },
      });
      const { status, json } = await post(
        'github-hooked',
        'push',
        pushBody,
        sign(pushBody, stored),
      );
      assert.equal(status, 200, JSON.stringify(json));
      const forged = await post('github-hooked', 'push', pushBody, sign(pushBody));
      assert.equal(forged.status, 401);

      // The state database, the secret store and everything else Gofer keeps on disk.
      const config = gofer.kernel.container.resolve<KernelConfig>(
        Symbol.for('gofer.kernel.Config'),
      );
      const files = readdirSync(config.data_dir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => join(entry.parentPath, entry.name));
      assert.ok(files.some((f) => /\.db$/.test(f)));
      for (const file of files) {
        assert.equal(readFileSync(file).includes(stored), false, `${file} holds the secret`);
      }

      // With the secret gone it cannot start again, and enable says so instead of waiting.
      await store.deleteGlobalSecret('github_hook');
      await gofer.ext.disable('github-hooked');
      const enabled = await within(gofer.ext.enable('github-hooked'), 15_000, 'enable');
      assert.equal(enabled.status, 'ERROR');
      assert.match(enabled.statusReason, /global secret "github_hook", which cannot be read/);
    } finally {
      store.close();
      await gofer.ext.uninstall('github-hooked').catch(() => undefined);
    }
  });

  for (const runtime of ['wasm', 'container'] as const) {
    const extension = `github-${runtime}`;

    it(`starts a run with the push metadata as variables for a signed push (${runtime})`, async () => {
      const { status, json } = await post(extension, 'push', pushBody, sign(pushBody));
      assert.equal(status, 200, JSON.stringify(json));
      const started = json.started as Array<{ pipeline: string; run: number }>;
      assert.deepEqual(
        started.map((s) => s.pipeline),
        [`${runtime}-on-push`],
      );
      const run = await gofer.client.getRun('default', `${runtime}-on-push`, started[0].run);
      assert.deepEqual(run.initiator, {
        kind: 'EXTENSION',
        name: `${extension} (push)`,
        reason: 'github: push on Octo-Org/octo-repo',
      });
      assert.deepEqual(run.variables, {
        GITHUB_EVENT: 'push',
        GITHUB_ACTION: '',
        GITHUB_REPOSITORY: 'Octo-Org/octo-repo',
        GITHUB_REF: 'refs/heads/main',
        GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
        GITHUB_DELIVERY: 'delivery-push',
        GITHUB_SENDER: 'octocat',
      });
    });

    it(`refuses unsigned and forged deliveries with 401 and starts nothing (${runtime})`, async () => {
      const before = (await gofer.runs(`${runtime}-on-push`)).length;
      const tampered = pushBody.replace('main', 'evil');
      const cases: Array<[string | undefined, RegExp]> = [
        [undefined, /header is missing/],
        ['', /header is missing/],
        [sign(pushBody, 'not the secret'), /does not match/],
        [sign(pushBody), /does not match/], // a real signature, of another body
        ['sha256=abc', /not "sha256=" and 64 hex digits/],
        [sign(pushBody).replace('sha256=', 'sha1='), /not "sha256="/],
      ];
      for (const [signature, message] of cases) {
        const body = signature === sign(pushBody) ? tampered : pushBody;
        const { status, json } = await post(extension, 'push', body, signature);
        assert.equal(status, 401, `${signature}: ${JSON.stringify(json)}`);
        const error = json.error as { code: string; message: string };
        assert.equal(error.code, 'UNAUTHENTICATED');
        assert.match(error.message, message);
      }
      assert.equal((await gofer.runs(`${runtime}-on-push`)).length, before);
    });

    it(`runs only the subscriptions whose event filter takes the action (${runtime})`, async () => {
      const closed = pullRequestBody('closed');
      const ignored = await post(extension, 'pull_request', closed, sign(closed));
      assert.equal(ignored.status, 200);
      assert.deepEqual(ignored.json.started, []);

      const opened = pullRequestBody('opened');
      const { status, json } = await post(extension, 'pull_request', opened, sign(opened));
      assert.equal(status, 200, JSON.stringify(json));
      const started = json.started as Array<{ pipeline: string; run: number }>;
      assert.deepEqual(
        started.map((s) => s.pipeline),
        [`${runtime}-on-pr`],
      );
      const run = await gofer.client.getRun('default', `${runtime}-on-pr`, started[0].run);
      assert.equal(run.variables.GITHUB_ACTION, 'opened');
      assert.equal(run.variables.GITHUB_REF, 'refs/pull/42/head');
      assert.equal(run.variables.GITHUB_SHA, 'feedfacefeedfacefeedfacefeedfacefeedface');
      assert.equal(run.variables.GITHUB_PR_NUMBER, '42');
      assert.equal(run.variables.GITHUB_HEAD_REF, 'feature');
      assert.equal(run.variables.GITHUB_BASE_REF, 'main');

      const elsewhere = pushBody.replace('octo-repo', 'other-repo');
      const other = await post(extension, 'push', elsewhere, sign(elsewhere));
      assert.deepEqual(other.json.started, []);
    });

    it(`refuses a subscription with a bad repository or event filter (${runtime})`, async () => {
      const subscribe = (settings: Record<string, string>) =>
        gofer.ext.subscribe({
          namespace: 'default',
          pipeline: `${runtime}-on-push`,
          extension,
          label: 'bad',
          settings,
        });
      await assert.rejects(subscribe({}), /setting "repository" must be owner\/name/);
      await assert.rejects(
        subscribe({ repository: 'o/r', events: 'push,issues' }),
        /events entry "issues" is not one of push, pull_request, release/,
      );
    });
  }
});
