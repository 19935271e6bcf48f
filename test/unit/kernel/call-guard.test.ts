import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { CallGuard, unary, type CallContext } from '../../../kernel/api/call-guard.js';
import type { Auth } from '../../../kernel/contracts/auth.js';
import { pino } from 'pino';

const METHOD = '/gofer.v1.SystemService/GetSystemInfo';

const allowAll: Auth = {
  authenticate: async () => ({ kind: 'management', name: 'test', namespaces: ['*'] }),
  authorize: async () => undefined,
};

/** A unary call as the gRPC server hands it over: an emitter with request and metadata. */
function fakeCall() {
  return Object.assign(new EventEmitter(), { request: {}, metadata: new grpc.Metadata() });
}

type Answer = { err: unknown; value: unknown };

function invoke(handler: (req: unknown, ctx: CallContext) => Promise<object>): {
  call: ReturnType<typeof fakeCall>;
  answered: Promise<Answer>;
} {
  const guard = new CallGuard(allowAll, pino({ level: 'silent' }));
  const wrapped = guard.wrap(METHOD, unary(handler)) as grpc.handleUnaryCall<object, object>;
  const call = fakeCall();
  const answered = new Promise<Answer>((resolve) =>
    wrapped(call as never, (err, value) => resolve({ err, value })),
  );
  return { call, answered };
}

describe('the call guard of unary calls', () => {
  it('aborts the signal of a handler whose caller cancelled while it ran', async () => {
    let seen: AbortSignal | undefined;
    const { call, answered } = invoke(async (_req, ctx) => {
      seen = ctx.signal;
      call.emit('cancelled');
      await new Promise((r) => setImmediate(r));
      return { aborted: ctx.signal.aborted };
    });
    assert.deepEqual((await answered).value, { aborted: true });
    assert.equal(seen?.aborted, true);
  });

  it('gives an aborted signal to a handler that asks only after the cancel', async () => {
    const { call, answered } = invoke(async (_req, ctx) => {
      call.emit('cancelled');
      return { aborted: ctx.signal.aborted };
    });
    assert.deepEqual((await answered).value, { aborted: true });
  });

  it('leaves the signal alone when the cancel notice comes after the answer', async () => {
    let seen: AbortSignal | undefined;
    const { call, answered } = invoke(async (_req, ctx) => {
      seen = ctx.signal;
      return { ok: true };
    });
    assert.deepEqual((await answered).value, { ok: true });
    call.emit('cancelled');
    assert.equal(seen?.aborted, false);
  });
});
