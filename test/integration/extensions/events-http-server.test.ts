import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { ExternalEvent } from '../../../kernel/contracts/extension.js';
import { EventsHttpServer } from '../../../kernel/extensions/events-http-server.js';

const MIB = 1024 * 1024;

/** POSTs `body` over a real socket, chunked when `chunked`; the status and the JSON answer. */
function post(address: string, body: Buffer, chunked = false) {
  const [host, port] = address.split(':');
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      { host, port: Number(port), path: '/events/hook', method: 'POST' },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString() }),
        );
      },
    );
    req.on('error', reject);
    if (!chunked) req.setHeader('content-length', body.length);
    // In pieces, as a client streaming a large body would send it.
    for (let at = 0; at < body.length; at += 64 * 1024)
      req.write(body.subarray(at, at + 64 * 1024));
    req.end();
  });
}

describe('the extension events endpoint', () => {
  const delivered: ExternalEvent[] = [];
  const server = new EventsHttpServer(
    async (_name, event) => {
      delivered.push(event);
      return { status: 200, body: `got ${event.body.length}` };
    },
    pino({ level: 'silent' }),
  );
  let address = '';
  before(async () => (address = await server.start('127.0.0.1:0')));
  after(() => server.stop());

  it('hands over a body of exactly the limit, byte for byte', async () => {
    const body = Buffer.alloc(MIB, 7);
    const answer = await post(address, body);
    assert.equal(answer.status, 200);
    assert.equal(answer.text, `got ${MIB}`);
    assert.deepEqual(Buffer.from(delivered.at(-1)!.body), body);
  });

  for (const chunked of [false, true]) {
    it(`answers 413 to a body over the limit, ${chunked ? 'chunked' : 'with its length'}`, async () => {
      const before = delivered.length;
      const answer = await post(address, Buffer.alloc(MIB + 1, 1), chunked);
      assert.equal(answer.status, 413);
      assert.match(JSON.parse(answer.text).error.message, /body over 1048576 bytes/);
      assert.equal(delivered.length, before, 'nothing reached the extension');
    });
  }
});
