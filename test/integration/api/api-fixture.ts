/**
 * Starts an ApiServer on a free loopback port over the in-memory kernel, with a token table:
 * `mgmt` (management), `client` (namespace `default` only) and `ext` (an extension).
 */
import { ApiServer } from '../../../kernel/api/api-server.js';
import type { Logger } from '../../../kernel/contracts/logger.js';
import { defaultConfig } from '../../../kernel/config/kernel-config.js';
import { GoferClient } from '../../../cli/gofer-client.js';
import { FixedTokenAuth } from '../../support/fixed-token-auth.js';
import { MemoryKernelServices } from '../../support/memory-kernel-services.js';

export const quietLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => quietLogger,
};

export interface ApiFixture {
  kernel: MemoryKernelServices;
  auth: FixedTokenAuth;
  server: ApiServer;
  address: string;
  client(token?: string): GoferClient;
  close(): Promise<void>;
}

export async function startApi(
  serverConfig: Partial<ReturnType<typeof defaultConfig>['server']> = {},
): Promise<ApiFixture> {
  const kernel = new MemoryKernelServices();
  const auth = new FixedTokenAuth({
    mgmt: { kind: 'management', name: 'admin', namespaces: [] },
    client: { kind: 'client', name: 'ci-bot', namespaces: ['default'] },
    ext: { kind: 'extension', name: 'cron', namespaces: ['*'] },
  });
  const server = new ApiServer({
    kernel,
    auth,
    server: { ...defaultConfig().server, address: '127.0.0.1:0', ...serverConfig },
    devMode: false,
    logger: quietLogger,
  });
  const address = await server.start();
  const clients: GoferClient[] = [];
  return {
    kernel,
    auth,
    server,
    address,
    client(token = 'mgmt') {
      const client = new GoferClient({ address, token, timeoutMs: 5000 });
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.close();
      await server.stop(2000);
    },
  };
}

/** Waits for `check` to hold, polling at most `ms`; fails the test rather than hanging. */
export async function eventually(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A pipeline `demo` with tasks `build` and `test`, registered and deployed. */
export async function deployDemo(client: GoferClient): Promise<void> {
  await client.registerPipeline('default', {
    id: 'demo',
    tasks: [
      { id: 'build', image: 'local/build' },
      { id: 'test', image: 'local/test', depends_on: { build: 'SUCCESS' } },
    ],
  });
  await client.deployPipeline('default', 'demo', 1);
}
