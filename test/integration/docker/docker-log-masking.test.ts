import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GoferClient } from '../../../cli/gofer-client.js';
import { StoreClient } from '../../../cli/store-client.js';
import type { LogChunk } from '../../../kernel/api/kernel-services.js';
import type { PipelineConfig } from '../../../sdk/config/pipeline-config.js';
import { skipWithoutDocker } from '../../support/docker-test-kit.js';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../support/test-images.js';
import { startTestKernel, type TestKernel } from '../../support/test-kernel.js';

const SECRET = 'tr0ub4dor-and-3';
const MULTI = 'first-line-AAA\nsecond-line-BBB';
const SPLIT = 'sec-split-777';

// Every way the task prints a secret, on both streams.
const SCRIPT = [
  'echo "plain: $S"',
  'echo "plain err: $S" >&2',
  'echo "multi: $M"',
  `printf '${SPLIT.slice(0, 4)}'; sleep 0.3; printf '${SPLIT.slice(4)}\\n'`,
  `printf '${SPLIT.slice(0, 6)}' >&2; sleep 0.3; printf '${SPLIT.slice(6)}\\n' >&2`,
  'echo "$S" | base64',
  'printf "%s" "$S" | base64 >&2',
  'echo "$M" | base64 | tr -d "\\n"; echo',
  'env | grep -c GOFER_LOG_MASK || true',
  'echo done',
].join('; ');

const config: PipelineConfig = {
  id: 'masking',
  tasks: [
    {
      id: 'leaky',
      image: BUSYBOX_IMAGE,
      pull_policy: 'never',
      command: ['sh', '-c', SCRIPT],
      variables: {
        S: 'pipeline_secret{{plain}}',
        M: 'pipeline_secret{{multi}}',
        T: 'pipeline_secret{{split}}',
      },
    },
  ],
};

function leaks(text: string): string[] {
  const forms = [SECRET, MULTI, SPLIT, ...MULTI.split('\n')].flatMap((v) => [
    v,
    Buffer.from(v).toString('base64').replace(/=+$/, ''),
    Buffer.from(`${v}\n`).toString('base64').replace(/=+$/, ''),
  ]);
  return forms.filter((f) => text.includes(f));
}

const byStream = (chunks: LogChunk[], stream: string) =>
  Buffer.concat(chunks.filter((c) => c.stream === stream).map((c) => c.data)).toString();

describe('log masking in real containers', { skip: skipWithoutDocker }, () => {
  let t: TestKernel;
  let api: GoferClient;
  let stores: StoreClient;

  before(async () => {
    await ensureTestImages();
    t = await startTestKernel({ scheduler: { engine: 'docker' } });
    api = new GoferClient({ address: t.kernel.address });
    stores = new StoreClient({ address: t.kernel.address });
    await t.deploy(config);
    await stores.putPipelineSecret('default', 'masking', 'plain', Buffer.from(SECRET));
    await stores.putPipelineSecret('default', 'masking', 'multi', Buffer.from(MULTI));
    await stores.putPipelineSecret('default', 'masking', 'split', Buffer.from(SPLIT));
  });
  after(async () => {
    api.close();
    stores.close();
    await t?.stop();
  });

  it('masks secrets printed plainly, line by line, split across writes and in base64, live and stored', async () => {
    const run = await api.startRun('default', 'masking', {});
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 120_000);
    const streamed: LogChunk[] = [];
    try {
      for await (const chunk of api.runLogs('default', 'masking', run.id, {
        follow: true,
        signal: controller.signal,
      })) {
        streamed.push(chunk);
      }
    } finally {
      clearTimeout(timer);
    }
    const done = await t.waitForRun('masking', run.id);
    assert.equal(done.run.status, 'SUCCESSFUL', done.tasks.get('leaky')?.statusReason.description);

    const stored: LogChunk[] = [];
    for await (const chunk of api.taskRunLogs('default', 'masking', run.id, 'leaky')) {
      stored.push(chunk);
    }
    for (const [what, chunks] of [
      ['streamed', streamed],
      ['stored', stored],
    ] as const) {
      const out = byStream(chunks, 'stdout');
      const err = byStream(chunks, 'stderr');
      assert.deepEqual(leaks(out + err), [], `${what} logs leak a secret:\n${out}\n${err}`);
      assert.match(out, /^plain: \*\*\*$/m);
      assert.match(err, /^plain err: \*\*\*$/m);
      assert.match(out, /^multi: \*\*\*$/m);
      assert.match(out, /^\*\*\*$/m, 'the split secret and base64 forms are masked');
      assert.match(out, /^0$/m, 'the task never sees the mask patterns');
      assert.match(out, /^done$/m);
    }
  });
});
