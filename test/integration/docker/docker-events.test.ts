/**
 * The scheduler's event stream breaking and coming back. The scheduler talks to the engine
 * through a unix-socket relay that the test can cut, as an engine restart or a dropped
 * connection would; the task ends while the relay is down.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  DockerTestKit,
  SOCKET,
  readLog,
  skipWithoutDocker,
  waitForLog,
  within,
} from '../../support/docker-test-kit.js';

const kit = new DockerTestKit();

/** Relays connections to the engine; `cut` drops them all and refuses new ones until `restore`. */
class EngineRelay {
  readonly path = join(kit.logDir, 'relay.sock');
  private readonly open = new Set<Socket>();
  private down = false;
  private readonly server = createServer((client) => {
    if (this.down) return void client.destroy();
    const engine = connect(SOCKET);
    for (const s of [client, engine]) {
      this.open.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        this.open.delete(s);
        client.destroy();
        engine.destroy();
      });
    }
    client.pipe(engine).pipe(client);
  });

  listen(): Promise<void> {
    rmSync(this.path, { force: true });
    return new Promise((resolve) => this.server.listen(this.path, resolve));
  }

  cut(): void {
    this.down = true;
    for (const s of this.open) s.destroy();
  }

  restore(): void {
    this.down = false;
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('the docker scheduler event stream', { skip: skipWithoutDocker }, () => {
  before(() => kit.setup());
  after(() => kit.teardown());

  test('a task that ends while the event stream is down still settles once it is back', async () => {
    const relay = new EngineRelay();
    await relay.listen();
    try {
      const scheduler = kit.scheduler({ socketPath: relay.path });
      const spec = kit.task({ command: ['sh', '-c', 'echo ready; sleep 1; echo done; exit 5'] });
      const handle = await scheduler.startTask(spec);
      await waitForLog(spec.logFile, 'ready');

      relay.cut();
      await waitForLog(spec.logFile, 'done');
      // Give the engine time to record the exit while nobody is listening.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const early = await Promise.race([
        handle.exited.then(() => 'settled'),
        new Promise((resolve) => setImmediate(() => resolve('pending'))),
      ]);
      assert.equal(early, 'pending', 'the cut relay should have kept the exit from the scheduler');
      relay.restore();

      const outcome = await within(handle.exited, 20_000, 'exit after reconnect');
      assert.equal(outcome.kind === 'exited' && outcome.exitCode, 5);
      assert.equal(readLog(spec.logFile).stdout.toString(), 'ready\ndone\n');
    } finally {
      await relay.close();
    }
  });
});
