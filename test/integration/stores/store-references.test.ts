import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GoferClient } from '../../../cli/gofer-client.js';
import { StoreClient } from '../../../cli/store-client.js';
import type { GoferEvent } from '../../../kernel/contracts/model.js';
import {
  TASK_PREPARATION_STEPS,
  type TaskPreparationStep,
} from '../../../kernel/runs/task-preparation.js';
import type { PipelineConfig } from '../../../sdk/config/pipeline-config.js';
import { startTestKernel, type TestKernel } from '../../support/test-kernel.js';

const envTask = (id: string, variables: Record<string, string>) => ({
  id,
  image: 'inprocess',
  command: ['env'],
  variables,
});

/** The task's stdout as NAME=value pairs (the inprocess `env` program ends each with NUL). */
async function envOf(api: GoferClient, pipeline: string, run: number, task: string) {
  const chunks: Buffer[] = [];
  for await (const c of api.taskRunLogs('default', pipeline, run, task)) chunks.push(c.data);
  const text = Buffer.concat(chunks).toString();
  return Object.fromEntries(
    text
      .split('\0')
      .filter(Boolean)
      .map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
  );
}

describe('store references in task variables', () => {
  let t: TestKernel;
  let api: GoferClient;
  let stores: StoreClient;

  before(async () => {
    t = await startTestKernel({ scheduler: { engine: 'inprocess' } });
    api = new GoferClient({ address: t.kernel.address });
    stores = new StoreClient({ address: t.kernel.address });
  });
  after(async () => {
    api.close();
    stores.close();
    await t.stop();
  });

  it('resolves each kind just before the task starts, masking secrets in its log', async () => {
    const config: PipelineConfig = {
      id: 'resolver',
      tasks: [
        envTask('reader', {
          P_SECRET: '  PIPELINE_SECRET{{ api_key }} ',
          G_SECRET: 'global_secret{{shared_key}}',
          P_OBJECT: 'pipeline_object{{ version }}',
          LITERAL: 'plain {{ value }}',
        }),
      ],
    };
    await api.registerPipeline('default', config);
    await api.deployPipeline('default', 'resolver', 1);
    await stores.putPipelineSecret('default', 'resolver', 'api_key', Buffer.from('key-abcdef-1'));
    await stores.putGlobalSecret('shared_key', Buffer.from('global-zyx-2'), {
      namespaces: ['def*'],
    });
    await stores.putObject(
      { namespace: 'default', pipeline: 'resolver', key: 'version' },
      Buffer.from('1.2.3'),
    );
    const { run, tasks } = await t.runToEnd('resolver');
    assert.equal(run.status, 'SUCCESSFUL', tasks.get('reader')?.statusReason.description);
    const env = await envOf(api, 'resolver', run.id, 'reader');
    assert.equal(env.P_SECRET, '***');
    assert.equal(env.G_SECRET, '***');
    assert.equal(env.P_OBJECT, '1.2.3');
    assert.equal(env.LITERAL, 'plain {{ value }}');

    // Nothing the API returns about the run holds a resolved value.
    const seen = JSON.stringify([
      await api.getRun('default', 'resolver', run.id),
      await api.listTaskRuns('default', 'resolver', run.id),
      await api.getConfig('default', 'resolver', 0),
    ]);
    const events: GoferEvent[] = [];
    for await (const e of api.listEvents({})) events.push(e);
    for (const value of ['key-abcdef-1', 'global-zyx-2']) {
      assert.equal(seen.includes(value), false);
      assert.equal(JSON.stringify(events).includes(value), false);
    }
  });

  it('finds again, for an attempt adopted after a restart, exactly the secrets its start masked', async () => {
    const task = envTask('adoptee', {
      P_SECRET: 'pipeline_secret{{ api_key }}',
      OVERRIDDEN: 'pipeline_secret{{ api_key }}',
      G_SECRET: 'global_secret{{shared_key}}',
      P_OBJECT: 'pipeline_object{{ version }}',
      MISSING: 'pipeline_secret{{ not_there }}',
      LITERAL: 'plain',
    });
    await t.deploy({ id: 'resolver', tasks: [task] });
    const run = await t.kernel.services.runs.start({
      namespace: 'default',
      pipeline: 'resolver',
      variables: { OVERRIDDEN: 'given at start' },
      initiator: { kind: 'HUMAN', name: 'test', reason: 'test' },
    });
    const steps = t.kernel.container.resolveAll<TaskPreparationStep>(TASK_PREPARATION_STEPS);
    const masks: string[] = [];
    for (const step of steps) if (step.masks) masks.push(...(await step.masks(run, task)));
    // P_SECRET and G_SECRET; the overridden one was never resolved, objects are not secret, and
    // a secret that cannot be read was never given to the task either.
    assert.deepEqual(masks.sort(), ['global-zyx-2', 'key-abcdef-1']);
    await t.waitForRun('resolver', run.id);
  });

  it('lets a later task read the run object an earlier task of the run wrote', async () => {
    const config: PipelineConfig = {
      id: 'handoff',
      tasks: [
        { id: 'writer', image: 'inprocess', command: ['sleep', '300'] },
        {
          ...envTask('consumer', { FROM_WRITER: 'run_object{{artifact}}' }),
          depends_on: { writer: 'SUCCESS' },
        },
      ],
    };
    await t.deploy(config);
    const started = await api.startRun('default', 'handoff', {});
    await stores.putObject(
      { namespace: 'default', pipeline: 'handoff', run: started.id, key: 'artifact' },
      Buffer.from('made-by-writer'),
    );
    const { run } = await t.waitForRun('handoff', started.id);
    assert.equal(run.status, 'SUCCESSFUL');
    assert.equal((await envOf(api, 'handoff', run.id, 'consumer')).FROM_WRITER, 'made-by-writer');
  });

  it('fails the task naming the key when a secret is missing or not allowed here', async () => {
    await t.deploy({
      id: 'missing',
      tasks: [
        envTask('needs-secret', { S: 'pipeline_secret{{not_there}}' }),
        envTask('needs-global', { G: 'global_secret{{elsewhere}}' }),
      ],
    });
    await stores.putGlobalSecret('elsewhere', Buffer.from('other-ns-value'), {
      namespaces: ['team-*'],
    });
    const { run, tasks } = await t.runToEnd('missing');
    assert.equal(run.status, 'FAILED');
    const secret = tasks.get('needs-secret')!;
    assert.equal(secret.status, 'FAILED');
    assert.match(secret.statusReason.description, /"not_there"/);
    assert.match(tasks.get('needs-global')!.statusReason.description, /"elsewhere".*default/);
  });

  for (const bad of ['pipeline_secret{{}}', 'pipeline_secret{{a b}}', 'vault_secret{{key}}']) {
    it(`rejects ${bad} at registration instead of half-parsing it`, async () => {
      await assert.rejects(
        api.registerPipeline('default', {
          id: 'malformed',
          tasks: [envTask('bad-ref', { X: bad })],
        }),
        (err: Error & { code?: string }) =>
          err.code === 'INVALID_ARGUMENT' && err.message.includes('bad-ref'),
      );
    });
  }

  it('deletes a pipeline with its objects and secrets, and a namespace with all of its own', async () => {
    await api.createNamespace({ id: 'doomed' });
    for (const ns of ['default', 'doomed']) {
      await api.registerPipeline(ns, { id: 'gone', tasks: [envTask('noop', {})] });
      await stores.putObject({ namespace: ns, pipeline: 'gone', key: 'obj' }, Buffer.from('x'));
      await stores.putPipelineSecret(ns, 'gone', 'sec', Buffer.from('secret-to-go'));
    }
    await api.deletePipeline('default', 'gone');
    await api.deleteNamespace('doomed');
    for (const ns of ['default', 'doomed']) {
      if (ns === 'doomed') await api.createNamespace({ id: 'doomed' });
      await api.registerPipeline(ns, { id: 'gone', tasks: [envTask('noop', {})] });
      assert.deepEqual(await stores.listObjects({ namespace: ns, pipeline: 'gone' }), []);
      assert.deepEqual(await stores.listPipelineSecrets(ns, 'gone'), []);
    }
  });
});
