import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { ApiServer } from '../../../kernel/api/api-server.js';
import { defaultConfig } from '../../../kernel/config/kernel-config.js';
import { GoferClient } from '../../../cli/gofer-client.js';
import { SERVICE_NAMES } from '../../../proto/load-protos.js';
import { FixedTokenAuth } from '../../support/fixed-token-auth.js';
import { MemoryKernelServices } from '../../support/memory-kernel-services.js';
import { type ApiFixture, quietLogger, startApi } from './api-fixture.js';

type HealthClient = grpc.Client & {
  Check(
    req: { service: string },
    cb: (err: grpc.ServiceError | null, res?: { status: string }) => void,
  ): void;
};

function healthClient(address: string): HealthClient {
  const definition = protoLoader.loadSync(healthProtoPath, { keepCase: true, enums: String });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    grpc: {
      health: { v1: { Health: new (a: string, c: grpc.ChannelCredentials) => HealthClient } };
    };
  };
  return new pkg.grpc.health.v1.Health(address, grpc.credentials.createInsecure());
}

describe('the API server transport', () => {
  let api: ApiFixture;
  let dir: string;
  before(async () => {
    api = await startApi();
    dir = mkdtempSync(join(tmpdir(), 'gofer-api-tls-'));
  });
  after(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports SERVING on the health service for the server and each service, without a token', async () => {
    const health = healthClient(api.address);
    for (const service of ['', ...SERVICE_NAMES.map((s) => `gofer.v1.${s}`)]) {
      const res = await new Promise<{ status: string }>((resolve, reject) =>
        health.Check({ service }, (err, r) => (err ? reject(err) : resolve(r!))),
      );
      assert.equal(res.status, 'SERVING', `health of "${service}"`);
    }
    health.close();
  });

  it('refuses to start in plain text on a non-loopback address, naming it and the TLS settings', async () => {
    const server = new ApiServer({
      kernel: new MemoryKernelServices(),
      auth: new FixedTokenAuth({}),
      server: { ...defaultConfig().server, address: '0.0.0.0:0' },
      devMode: false,
      logger: quietLogger,
    });
    await assert.rejects(server.start(), (err: Error & { code?: string; fix?: string }) => {
      assert.equal(err.code, 'FAILED_PRECONDITION');
      assert.match(err.message, /0\.0\.0\.0:0/);
      assert.match(err.fix ?? '', /server\.tls_cert and server\.tls_key/);
      return true;
    });
  });

  it('serves TLS from PEM files to a client that trusts the certificate, and not to plain text', async () => {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    const tls = await startApi({ tls_cert: cert, tls_key: key });
    try {
      const trusted = new GoferClient({
        address: tls.address,
        token: 'mgmt',
        tls: true,
        tlsCa: cert,
        timeoutMs: 5000,
      });
      assert.equal((await trusted.systemInfo()).version, '0.1.0');
      trusted.close();

      const plain = new GoferClient({ address: tls.address, token: 'mgmt', timeoutMs: 2000 });
      await assert.rejects(plain.systemInfo(), { code: 'UNAVAILABLE' });
      plain.close();
    } finally {
      await tls.close();
    }
  });

  it('refuses a TLS setting with only one of the two files', async () => {
    await assert.rejects(startApi({ tls_cert: join(dir, 'cert.pem') }), {
      code: 'INVALID_ARGUMENT',
      message: /must be set together/,
    });
  });
});
