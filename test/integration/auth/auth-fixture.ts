/**
 * A real kernel with the token auth plugin (not dev mode), the in-process scheduler and real
 * SQLite files, bootstrapped over gRPC, with namespaces `team-a` and `team-b` and a client token
 * for each.
 */
import { randomBytes } from 'node:crypto';
import { GoferClient } from '../../../cli/gofer-client.js';
import type { DeepPartial } from '../../../kernel/config/load-config.js';
import type { KernelConfig } from '../../../kernel/config/kernel-config.js';
import { startTestKernel, type TestKernel } from '../../support/test-kernel.js';

export interface AuthFixture {
  kernel: TestKernel;
  address: string;
  management: string;
  teamA: string;
  teamB: string;
  client(token?: string): GoferClient;
  stop(): Promise<void>;
}

/** Overrides for a kernel with real auth; the secret store needs a key outside dev mode. */
export function realAuthConfig(extra: DeepPartial<KernelConfig> = {}): DeepPartial<KernelConfig> {
  return {
    dev_mode: false,
    scheduler: { engine: 'inprocess' },
    secret_store: { sqlite: { encryption_key: randomBytes(32).toString('hex') } },
    ...extra,
  } as DeepPartial<KernelConfig>;
}

export async function startAuthFixture(): Promise<AuthFixture> {
  const kernel = await startTestKernel(realAuthConfig());
  const address = kernel.kernel.address;
  const clients: GoferClient[] = [];
  const client = (token?: string) => {
    const made = new GoferClient({ address, token, timeoutMs: 10_000 });
    clients.push(made);
    return made;
  };

  const management = (await client().bootstrapToken()).token;
  const admin = client(management);
  await admin.createNamespace({ id: 'team-a' });
  await admin.createNamespace({ id: 'team-b' });
  const teamA = await admin.createToken({ name: 'a', kind: 'client', namespaces: ['team-a'] });
  const teamB = await admin.createToken({ name: 'b', kind: 'client', namespaces: ['team-b'] });

  return {
    kernel,
    address,
    management,
    teamA: teamA.token,
    teamB: teamB.token,
    client,
    async stop() {
      for (const c of clients) c.close();
      await kernel.stop();
    },
  };
}
