/**
 * The relay's worker thread: listens on a unix socket, pipes every connection to the engine's
 * socket unchanged, and stamps each `POST /containers/create` request with the wall-clock time
 * its request line arrived and the container name from its `name` query parameter. It runs on
 * its own thread so that forwarding and stamping do not wait behind the event loop of the
 * process being measured.
 */
import { createConnection, createServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

export interface RelayWorkerData {
  listenPath: string;
  enginePath: string;
}

/** Messages the worker posts to its parent. */
export type RelayMessage =
  | { kind: 'listening' }
  | { kind: 'failed'; message: string }
  | { kind: 'create'; name: string; at: number };

const CREATE_REQUEST = /POST (?:\/v[0-9.]+)?\/containers\/create\?(\S*) HTTP\/1\.[01]\r\n/g;
/** Longer than any request line the pattern can match, so a line split across chunks is found. */
const TAIL_CHARS = 1024;

const { listenPath, enginePath } = workerData as RelayWorkerData;
const port = parentPort!;
const sockets = new Set<Socket>();

const server = createServer((client) => {
  const engine = createConnection(enginePath);
  sockets.add(client).add(engine);
  let tail = '';

  client.on('data', (chunk: Buffer) => {
    // The stamp is taken before forwarding, which is the moment the request left Gofer.
    const at = performance.timeOrigin + performance.now();
    const text = tail + chunk.toString('latin1');
    for (const match of text.matchAll(CREATE_REQUEST)) {
      // A match wholly inside the tail was reported with the previous chunk.
      if (match.index! + match[0].length <= tail.length) continue;
      const name = new URLSearchParams(match[1]).get('name');
      if (name) port.postMessage({ kind: 'create', name, at } satisfies RelayMessage);
    }
    tail = text.slice(-TAIL_CHARS);
    engine.write(chunk);
  });
  engine.pipe(client);

  const drop = () => {
    client.destroy();
    engine.destroy();
    sockets.delete(client);
    sockets.delete(engine);
  };
  client.on('end', () => engine.end());
  client.on('error', drop);
  engine.on('error', drop);
  client.on('close', drop);
  engine.on('close', drop);
});

server.on('error', (err) => port.postMessage({ kind: 'failed', message: err.message }));
server.listen(listenPath, () => port.postMessage({ kind: 'listening' } satisfies RelayMessage));

port.on('message', (msg: { kind: 'close' }) => {
  if (msg.kind !== 'close') return;
  for (const socket of sockets) socket.destroy();
  server.close(() => port.close());
});
