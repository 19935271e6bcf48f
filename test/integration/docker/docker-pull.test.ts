/**
 * Pull policies and registry rules of the Docker scheduler against the real engine. Every
 * registry here is on loopback: a port nothing listens on, a server that never answers, and
 * Debian's registry with basic auth. Nothing may reach Docker Hub: images on it are refused
 * before the engine is asked to pull.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SchedulerError } from '../../../kernel/contracts/scheduler.js';
import { BUSYBOX_IMAGE } from '../../support/test-images.js';
import { DockerTestKit, skipWithoutDocker, within } from '../../support/docker-test-kit.js';

const kit = new DockerTestKit();

const isCode = (code: string, pattern?: RegExp) => (err: SchedulerError) => {
  assert.equal(err.code, code, err.message);
  if (pattern) assert.match(err.message, pattern);
  return true;
};

/** A port on 127.0.0.1 that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('docker scheduler pulls', { skip: skipWithoutDocker }, () => {
  before(() => kit.setup());
  after(() => kit.teardown());

  describe('pull policies', () => {
    test('pull policy never with a missing image fails with IMAGE_NOT_FOUND', async () => {
      const spec = kit.task({ image: 'local/gofer-missing:1', pullPolicy: 'never' });
      await assert.rejects(
        kit.scheduler().startTask(spec),
        isCode('IMAGE_NOT_FOUND', /local\/gofer-missing:1.*"never" forbids/),
      );
    });

    test('an image from a registry that is not allowed is refused before any pull', async () => {
      const scheduler = kit.scheduler();
      await assert.rejects(
        scheduler.startTask(
          kit.task({ image: 'local/gofer-missing:1', pullPolicy: 'if-not-present' }),
        ),
        isCode('IMAGE_PULL_REFUSED', /registry docker\.io.*add "docker\.io"/),
      );
      // `always` would pull even a present image, so the refusal must come first there too.
      await assert.rejects(
        scheduler.startTask(kit.task({ image: BUSYBOX_IMAGE, pullPolicy: 'always' })),
        isCode('IMAGE_PULL_REFUSED'),
      );
      await assert.rejects(
        kit
          .scheduler({ pullRegistries: ['127.0.0.1'] })
          .startTask(kit.task({ image: 'registry.example:5000/app:1', pullPolicy: 'always' })),
        isCode('IMAGE_PULL_REFUSED', /registry\.example:5000/),
      );
    });

    test('a present image with pull policy if-not-present starts without pulling', async () => {
      const handle = await kit
        .scheduler({ pullRegistries: [] })
        .startTask(
          kit.task({ image: BUSYBOX_IMAGE, pullPolicy: 'if-not-present', command: ['true'] }),
        );
      const outcome = await within(handle.exited, 30_000, 'task exit');
      assert.equal(outcome.kind === 'exited' && outcome.exitCode, 0);
    });

    test('a registry address where nothing listens fails the pull cleanly', async () => {
      const image = `127.0.0.1:${await freePort()}/gofer/nothing:1`;
      await assert.rejects(
        within(
          kit.scheduler().startTask(kit.task({ image, pullPolicy: 'always' })),
          60_000,
          'pull',
        ),
        isCode('IMAGE_PULL_FAILED', new RegExp(`cannot pull ${image.replace(/[./]/g, '\\$&')}`)),
      );
    });

    test('a registry that accepts and never answers fails with IMAGE_PULL_TIMEOUT', async () => {
      const sockets = new Set<Socket>();
      const server: Server = createServer((socket) => {
        sockets.add(socket);
        socket.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const image = `127.0.0.1:${(server.address() as { port: number }).port}/gofer/silent:1`;
      try {
        const scheduler = kit.scheduler({ pullTimeoutMs: 1500 });
        await assert.rejects(
          within(scheduler.startTask(kit.task({ image, pullPolicy: 'always' })), 20_000, 'timeout'),
          isCode('IMAGE_PULL_TIMEOUT', /did not finish within 1\.5s/),
        );
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });

  describe('registry credentials', () => {
    let registry: ChildProcess | undefined;
    let image = '';
    const user = 'gofer-test';
    const password = 'right-password';

    before(async () => {
      const port = await freePort();
      const dir = kit.logDir;
      writeFileSync(
        join(dir, 'htpasswd'),
        execFileSync('htpasswd', ['-Bbn', user, password], { encoding: 'utf8' }),
      );
      writeFileSync(
        join(dir, 'registry.yml'),
        [
          'version: 0.1',
          'log: { level: error }',
          `storage: { filesystem: { rootdirectory: ${join(dir, 'registry-data')} } }`,
          `http: { addr: "127.0.0.1:${port}", secret: gofer-test }`,
          `auth: { htpasswd: { realm: gofer-test, path: ${join(dir, 'htpasswd')} } }`,
        ].join('\n'),
      );
      registry = spawn('docker-registry', ['serve', join(dir, 'registry.yml')], {
        stdio: 'ignore',
      });
      await within(registryUp(port), 15_000, 'registry start');

      image = `127.0.0.1:${port}/gofer/busybox:1`;
      await kit.docker
        .getImage(BUSYBOX_IMAGE)
        .tag({ repo: `127.0.0.1:${port}/gofer/busybox`, tag: '1' });
      const push = await kit.docker.getImage(image).push({
        authconfig: { username: user, password, serveraddress: `127.0.0.1:${port}` },
      });
      await new Promise<void>((resolve, reject) =>
        kit.docker.modem.followProgress(push, (err: Error | null) =>
          err ? reject(err) : resolve(),
        ),
      );
      // Only the tag goes: the layers stay, but the pull must still pass the registry's auth.
      await kit.docker.getImage(image).remove();
    });

    after(async () => {
      await kit.docker
        .getImage(image)
        .remove()
        .catch(() => undefined);
      registry?.kill('SIGTERM');
    });

    test('wrong credentials fail the pull with the registry’s reason', async () => {
      const spec = kit.task({
        image,
        pullPolicy: 'always',
        registryAuth: { username: user, password: 'wrong-password' },
        command: ['true'],
      });
      await assert.rejects(
        within(kit.scheduler().startTask(spec), 60_000, 'pull'),
        isCode('IMAGE_PULL_FAILED', /unauthorized|authentication required/i),
      );
    });

    test('right credentials pull the image and the task runs', async () => {
      const spec = kit.task({
        image,
        pullPolicy: 'always',
        registryAuth: { username: user, password },
        command: ['sh', '-c', 'exit 7'],
      });
      const handle = await within(kit.scheduler().startTask(spec), 60_000, 'pull and start');
      const outcome = await within(handle.exited, 30_000, 'task exit');
      assert.equal(outcome.kind === 'exited' && outcome.exitCode, 7);
      assert.ok(await kit.docker.getImage(image).inspect());
    });
  });
});

/** Resolves once the registry answers /v2/ (401 without credentials means it is up). */
async function registryUp(port: number): Promise<void> {
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v2/`);
      if (res.status === 401 || res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
