import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { METHOD_ACCESS, missingAccessEntries } from '../../../kernel/api/method-access.js';
import { loadProtos, SERVICE_NAMES } from '../../../proto/load-protos.js';
import { type ApiFixture, deployDemo, startApi } from './api-fixture.js';

describe('the API guard', () => {
  let api: ApiFixture;
  before(async () => {
    api = await startApi();
    await deployDemo(api.client());
  });
  after(() => api.close());

  it('refuses a call without a token with UNAUTHENTICATED', async () => {
    await assert.rejects(api.client('').listNamespaces(), { code: 'UNAUTHENTICATED' });
  });

  it('refuses a malformed authorization header and says how to send one', async () => {
    const { v1 } = loadProtos();
    const raw = new v1.SystemService(api.address, grpc.credentials.createInsecure());
    const metadata = new grpc.Metadata();
    metadata.set('authorization', 'Token abc');
    const err = await new Promise<grpc.ServiceError>((resolve) =>
      raw.GetSystemInfo({}, metadata, (e) => resolve(e!)),
    );
    raw.close();
    assert.equal(err.code, grpc.status.UNAUTHENTICATED);
    assert.match(String(err.metadata.get('gofer-fix')[0]), /Bearer <token>/);
  });

  it('refuses a client token a management call with PERMISSION_DENIED', async () => {
    await assert.rejects(api.client('client').createNamespace({ id: 'team' }), {
      code: 'PERMISSION_DENIED',
    });
  });

  it('refuses a client token a namespace it holds no grant to', async () => {
    await api.client().createNamespace({ id: 'other' });
    await assert.rejects(api.client('client').listPipelines('other'), {
      code: 'PERMISSION_DENIED',
    });
    const asked = api.auth.asked.at(-1);
    assert.deepEqual(asked, {
      method: '/gofer.v1.PipelineService/List',
      scope: 'namespace',
      namespace: 'other',
    });
  });

  it('sends the fix both in gofer-fix trailing metadata and in the details', async () => {
    const { v1 } = loadProtos();
    const raw = new v1.RunService(api.address, grpc.credentials.createInsecure());
    const metadata = new grpc.Metadata();
    metadata.set('authorization', 'Bearer mgmt');
    const err = await new Promise<grpc.ServiceError>((resolve) =>
      raw.Get({ namespace: 'default', pipeline: 'demo', id: 99 }, metadata, (e) => resolve(e!)),
    );
    raw.close();
    assert.equal(err.code, grpc.status.NOT_FOUND);
    assert.equal(String(err.metadata.get('gofer-fix')[0]), 'run `gofer run list demo`');
    assert.equal(String(err.metadata.get('gofer-code')[0]), 'NOT_FOUND');
    assert.match(
      err.details,
      /run 99 of pipeline demo not found \(fix: run `gofer run list demo`\)/,
    );
  });

  it('hands the client the message and the fix apart', async () => {
    const err = await api
      .client()
      .getRun('default', 'demo', 99)
      .catch((e: unknown) => e);
    assert.deepEqual(
      {
        code: (err as { code: string }).code,
        message: (err as Error).message,
        fix: (err as { fix: string }).fix,
      },
      {
        code: 'NOT_FOUND',
        message: 'run 99 of pipeline demo not found',
        fix: 'run `gofer run list demo`',
      },
    );
  });

  it('maps an ALREADY_EXISTS error from the kernel to ALREADY_EXISTS', async () => {
    await assert.rejects(api.client().createNamespace({ id: 'default' }), {
      code: 'ALREADY_EXISTS',
    });
  });

  it('refuses a request without a pipeline id with INVALID_ARGUMENT naming the field', async () => {
    await assert.rejects(api.client().getPipeline('default', ''), {
      code: 'INVALID_ARGUMENT',
      message: 'id is required',
    });
  });

  it('refuses a request without a namespace with INVALID_ARGUMENT', async () => {
    await assert.rejects(api.client().listPipelines(''), {
      code: 'INVALID_ARGUMENT',
      message: /needs a namespace/,
    });
  });

  it('refuses run variables whose keys are not variable names, naming them', async () => {
    await assert.rejects(api.client().startRun('default', 'demo', { 'BAD-KEY': 'x', GOOD: 'y' }), {
      code: 'INVALID_ARGUMENT',
      message: /variables has keys that are not variable names: "BAD-KEY"$/,
    });
  });
});

describe('the method access table', () => {
  it('has an entry for every RPC of every gofer.v1 service', () => {
    const { v1 } = loadProtos();
    const paths = SERVICE_NAMES.flatMap((name) =>
      Object.values(v1[name].service).map((m) => m.path),
    );
    assert.ok(paths.length > SERVICE_NAMES.length, 'the protos were loaded with their methods');
    assert.deepEqual(missingAccessEntries(paths), []);
    assert.equal(METHOD_ACCESS.size, paths.length, 'the table names no method the API lacks');
  });

  it('reports a method it does not cover', () => {
    assert.deepEqual(
      missingAccessEntries(['/gofer.v1.RunService/Start', '/gofer.v1.RunService/Pause']),
      ['/gofer.v1.RunService/Pause'],
    );
  });
});
