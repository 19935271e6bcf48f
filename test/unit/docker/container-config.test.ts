import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ImageInspectInfo } from 'dockerode';
import {
  containerConfig,
  LOG_TARGET,
  LOGWRAP_TARGET,
  resolveCommand,
} from '../../../schedulers/docker/container-config.js';

const image = (Entrypoint: string[] | null, Cmd: string[] | null) =>
  ({ Config: { Entrypoint, Cmd } }) as unknown as ImageInspectInfo;

describe('container config', () => {
  test('the image entrypoint and command run when the task gives neither', () => {
    assert.deepEqual(resolveCommand(image(['/entry'], ['serve']), undefined, undefined), [
      '/entry',
      'serve',
    ]);
  });

  test('a task command replaces the image command but keeps its entrypoint', () => {
    assert.deepEqual(resolveCommand(image(['/entry'], ['serve']), undefined, ['check']), [
      '/entry',
      'check',
    ]);
  });

  test('a task entrypoint drops the image command as Docker does', () => {
    assert.deepEqual(resolveCommand(image(['/entry'], ['serve']), ['/other'], undefined), [
      '/other',
    ]);
    assert.deepEqual(resolveCommand(image(null, ['sh']), ['env'], ['-0']), ['env', '-0']);
  });

  test('the log wrapper is the entrypoint and the real command its arguments', () => {
    const config = containerConfig(
      {
        id: 'ns-p-1-t-1',
        image: 'local/app:1',
        labels: { installation: 'i', kind: 'task', run: 1 },
        command: ['echo', 'hi'],
        env: { A: 'x=y', EMPTY: '' },
        logFile: '/data/logs/t.log',
        networkMode: 'none',
        logwrapPath: '/opt/logwrap',
        resources: { memory_bytes: 1 << 26, cpus: 1.5 },
      },
      image(null, ['sh']),
    );
    assert.deepEqual(config.Entrypoint, [LOGWRAP_TARGET, LOG_TARGET, '--']);
    assert.deepEqual(config.Cmd, ['echo', 'hi']);
    assert.deepEqual(config.Env, ['A=x=y', 'EMPTY=']);
    assert.equal(config.name, 'ns-p-1-t-1');
    assert.equal(config.HostConfig?.Memory, 1 << 26);
    assert.equal(config.HostConfig?.NanoCpus, 1_500_000_000);
    assert.equal(config.HostConfig?.Init, true);
    assert.deepEqual(config.Labels, {
      'gofer.installation': 'i',
      'gofer.kind': 'task',
      'gofer.run': '1',
    });
  });

  test('an image with no command and a task without one is refused', () => {
    const req = {
      id: 'x',
      image: 'local/empty:1',
      labels: { installation: 'i', kind: 'task' as const },
      env: {},
      logFile: '/l',
      networkMode: 'none' as const,
      logwrapPath: '/w',
    };
    assert.throws(() => containerConfig(req, image(null, null)), { code: 'START_FAILED' });
    assert.throws(
      () => containerConfig({ ...req, command: ['x'], env: { 'A=B': '' } }, image(null, null)),
      {
        code: 'START_FAILED',
      },
    );
  });
});
