import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerRelay } from '../../../bench/docker-relay.js';

/** A stand-in engine on a unix socket that answers every request with its own request line. */
async function echoEngine(path: string): Promise<Server> {
  const server = createServer((socket) => {
    socket.on('data', (chunk) => {
      const line = chunk.toString('latin1').split('\r\n')[0];
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${line.length}\r\n\r\n${line}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return server;
}

function post(socketPath: string, path: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'POST', timeout: 5000 }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(text));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
    req.end(body);
  });
}

test('the relay forwards requests unchanged and stamps each container create with its name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gofer-relay-test-'));
  const engine = await echoEngine(join(dir, 'engine.sock'));
  const relay = await DockerRelay.start(join(dir, 'engine.sock'));
  try {
    const before = Date.now();
    const answer = await post(relay.socketPath, '/v1.41/containers/create?name=task-a', '{}');
    assert.equal(answer, 'POST /v1.41/containers/create?name=task-a HTTP/1.1');
    await post(relay.socketPath, '/containers/abc/start', '');
    await post(relay.socketPath, '/containers/create?name=task-b&platform=', '{}');

    // The stamps arrive from the relay's thread; give them a bounded moment.
    for (let i = 0; i < 100 && relay.creates.size < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.deepEqual([...relay.creates.keys()], ['task-a', 'task-b']);
    const at = relay.creates.get('task-a')!;
    assert.ok(at >= before - 1 && at <= Date.now() + 1, `stamp ${at} is not a time of this test`);
  } finally {
    await relay.close();
    engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
