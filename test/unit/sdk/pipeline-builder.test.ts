import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

import { Pipeline, Task } from '../../../sdk/index.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** Runs a pipeline program the way users write one, importing the SDK by its package name. */
function runProgram(source: string) {
  return spawnSync(process.execPath, ['--input-type=module', '-e', source], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 20_000,
  });
}

describe('the Pipeline and Task builders', () => {
  it('turn every builder call into the matching config field', () => {
    const config = new Pipeline('release', 'Release')
      .description('ships it')
      .parallelism(1)
      .taskConcurrency(2)
      .timeout('1h')
      .tasks(
        new Task('build', 'local/builder:1')
          .description('compiles')
          .entrypoint('/bin/sh')
          .command('sh', '-c', 'make all')
          .variable('MODE', 'release')
          .variables({ Mode: 'lower', EMPTY: '' })
          .timeout('30s')
          .retries(2)
          .pullPolicy('never')
          .registryAuth('me', 'secret')
          .resources({ memory_bytes: 1024, cpus: 1.5 })
          .imageKind('container')
          .injectApiToken(),
        new Task('publish', 'local/pub:1')
          .dependsOn('build', 'SUCCESS')
          .dependsOnAny('lint')
          .dependsOn('tests'),
      )
      .tasks(new Task('lint', 'component.wasm').imageKind('wasm'))
      .toConfig();

    assert.deepEqual(config, {
      id: 'release',
      name: 'Release',
      description: 'ships it',
      parallelism: 1,
      task_concurrency: 2,
      timeout: '1h',
      tasks: [
        {
          id: 'build',
          image: 'local/builder:1',
          description: 'compiles',
          entrypoint: ['/bin/sh'],
          command: ['sh', '-c', 'make all'],
          variables: { MODE: 'release', Mode: 'lower', EMPTY: '' },
          timeout: '30s',
          retries: 2,
          pull_policy: 'never',
          registry_auth: { username: 'me', password: 'secret' },
          resources: { memory_bytes: 1024, cpus: 1.5 },
          image_kind: 'container',
          inject_api_token: true,
        },
        {
          id: 'publish',
          image: 'local/pub:1',
          depends_on: { build: 'SUCCESS', lint: 'ANY', tests: 'SUCCESS' },
        },
        { id: 'lint', image: 'component.wasm', image_kind: 'wasm' },
      ],
    });
  });

  it('leave out every field that was never set', () => {
    assert.deepEqual(new Pipeline('bare').tasks(new Task('only', 'img')).toConfig(), {
      id: 'bare',
      tasks: [{ id: 'only', image: 'img' }],
    });
  });

  it('return a copy, so later builder calls do not change a config already taken', () => {
    const task = new Task('build', 'img').command('a').variable('A', '1');
    const pipeline = new Pipeline('demo').tasks(task);
    const before = pipeline.toConfig();

    task.command('b').variable('B', '2');
    before.tasks[0].command!.push('mutated');
    assert.deepEqual(before.tasks[0].command, ['a', 'mutated']);
    assert.deepEqual(pipeline.toConfig().tasks[0], {
      id: 'build',
      image: 'img',
      command: ['b'],
      variables: { A: '1', B: '2' },
    });
  });

  it('let a later variable with the same key replace the earlier one', () => {
    const task = new Task('build', 'img').variables({ A: '1', B: '2' }).variable('A', '3');
    assert.deepEqual(task.toConfig().variables, { A: '3', B: '2' });
  });
});

describe('Pipeline.finish', () => {
  it('prints the valid config as JSON on stdout and nothing else', () => {
    const result = runProgram(`
      import { Pipeline, Task } from 'gofer/sdk';
      new Pipeline('demo', 'Demo')
        .tasks(new Task('build', 'local/x').command('echo', 'hi'), new Task('test', 'local/x').dependsOn('build'))
        .finish();
    `);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.deepEqual(JSON.parse(result.stdout), {
      id: 'demo',
      name: 'Demo',
      tasks: [
        { id: 'build', image: 'local/x', command: ['echo', 'hi'] },
        { id: 'test', image: 'local/x', depends_on: { build: 'SUCCESS' } },
      ],
    });
  });

  it('prints every problem on stderr, nothing on stdout, and exits 1 when invalid', () => {
    const result = runProgram(`
      import { Pipeline, Task } from 'gofer/sdk';
      new Pipeline('demo')
        .tasks(new Task('build', 'local/x').dependsOn('test'), new Task('test', 'local/x').dependsOn('build'))
        .tasks(new Task('lint', '').retries(20))
        .finish();
    `);
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /pipeline "demo" is invalid/);
    assert.match(result.stderr, /build -> test -> build/);
    assert.match(result.stderr, /task "lint": image must be a non-empty string/);
    assert.match(result.stderr, /task "lint": retries must be a whole number from 0 to 10/);
  });
});
