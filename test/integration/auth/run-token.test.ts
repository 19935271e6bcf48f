/**
 * `inject_api_token` on the Docker scheduler: a task in a real container calls the API with the
 * token it was given, reaching its run's namespace and nothing else, and the token is refused
 * once the run has ended.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GoferClient } from '../../../cli/gofer-client.js';
import { AUTH, type Auth } from '../../../kernel/contracts/auth.js';
import { skipWithoutDocker } from '../../support/docker-test-kit.js';
import { ensureNodeImage, NODE_IMAGE } from '../../support/node-image.js';
import { startTestKernel, type TestKernel } from '../../support/test-kernel.js';
import { realAuthConfig } from './auth-fixture.js';

/**
 * A gRPC client in a dozen lines of node:http2: PipelineService/List for a namespace, printing
 * the grpc-status. The token is printed reversed, so the test can try it after the run while
 * log masking (which hides the token itself) stays free to do its job.
 */
const TASK_SCRIPT = `
const http2 = require('node:http2');
const call = (namespace) => new Promise((resolve) => {
  const session = http2.connect('http://' + process.env.GOFER_CLI_ADDRESS);
  const body = Buffer.concat([Buffer.from([0x0a, namespace.length]), Buffer.from(namespace)]);
  const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, body.length]), body]);
  const req = session.request({ ':method': 'POST', ':path': '/gofer.v1.PipelineService/List',
    'content-type': 'application/grpc', te: 'trailers',
    authorization: 'Bearer ' + process.env.GOFER_API_TOKEN });
  let status = 'none';
  req.on('response', (h) => { if (h['grpc-status']) status = h['grpc-status']; });
  req.on('trailers', (t) => { status = t['grpc-status']; });
  req.on('data', () => {});
  req.on('close', () => { session.close(); resolve(status); });
  req.end(frame);
});
(async () => {
  console.log('own=' + await call(process.env.GOFER_NAMESPACE_ID));
  console.log('foreign=' + await call('elsewhere'));
  console.log('reversed=' + [...process.env.GOFER_API_TOKEN].reverse().join(''));
})();
`;

describe('run-scoped API tokens', { skip: skipWithoutDocker }, () => {
  let kernel: TestKernel;
  let admin: GoferClient;

  before(async () => {
    await ensureNodeImage();
    kernel = await startTestKernel(
      realAuthConfig({ scheduler: { engine: 'docker', docker: { network_mode: 'host' } } }),
    );
    const bootstrap = new GoferClient({ address: kernel.kernel.address, timeoutMs: 10_000 });
    const { token } = await bootstrap.bootstrapToken();
    bootstrap.close();
    admin = new GoferClient({ address: kernel.kernel.address, token, timeoutMs: 10_000 });
    await admin.createNamespace({ id: 'team-a' });
    await admin.createNamespace({ id: 'elsewhere' });
  });
  after(async () => {
    admin?.close();
    await kernel?.stop();
  });

  it('lets a task call the API in its namespace during the run, and not after', async () => {
    await kernel.deploy(
      {
        id: 'caller',
        tasks: [
          {
            id: 'call',
            image: NODE_IMAGE,
            pull_policy: 'never',
            command: ['node', '-e', TASK_SCRIPT],
            inject_api_token: true,
          },
        ],
      },
      'team-a',
    );
    const run = await admin.startRun('team-a', 'caller', {});
    const { tasks } = await kernel.waitForRun('caller', run.id, 'team-a', 120_000);
    assert.equal(tasks.get('call')?.status, 'SUCCESSFUL', JSON.stringify(tasks.get('call')));

    let output = '';
    for await (const chunk of admin.taskRunLogs('team-a', 'caller', run.id, 'call')) {
      output += chunk.data.toString();
    }
    assert.match(output, /own=0\n/, output);
    assert.match(output, /foreign=7\n/, output);
    const token = [.../reversed=(\S+)/.exec(output)![1]].reverse().join('');
    assert.match(token, /^gofer_/);

    const afterRun = new GoferClient({ address: kernel.kernel.address, token, timeoutMs: 10_000 });
    try {
      await assert.rejects(afterRun.listPipelines('team-a'), { code: 'UNAUTHENTICATED' });
    } finally {
      afterRun.close();
    }
    const left = await kernel.kernel.container.resolve<Auth>(AUTH).tokens!.list();
    assert.deepEqual(
      left.filter((t) => t.name.startsWith('run/')),
      [],
    );
  });
});
