import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GoferClient } from '../../cli/gofer-client.js';
import { PACKAGE_ROOT } from '../../kernel/version.js';

export const CLI = join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');

export interface ServiceProcessOptions {
  /** Start with `--dev-mode` (allow-all auth); default true. */
  devMode?: boolean;
  /** The token `client` sends. */
  token?: string;
  /** More arguments for `gofer service start`, e.g. `--restricted`. */
  args?: string[];
}

/** A `gofer service start` in its own process, as an operator would run it. */
export class ServiceProcess {
  readonly dataDir: string;
  private child?: ChildProcess;
  private output = '';
  client!: GoferClient;
  address = '';

  constructor(
    private readonly env: Record<string, string> = {},
    dataDir?: string,
    private readonly options: ServiceProcessOptions = {},
  ) {
    this.dataDir = dataDir ?? mkdtempSync(join(tmpdir(), 'gofer-service-'));
  }

  /** Starts the service (on a new free port unless one was used before) and waits for it. */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.startOnce();
      } catch (err) {
        // Another test process may take the free port between our probe and the service's bind.
        const taken = /EADDRINUSE/.test((err as Error).message) && !this.portUsed;
        if (!taken || attempt >= 3) throw err;
        this.address = '';
      }
    }
  }

  /** Set once a service answered on `address`, which is then kept across restarts. */
  private portUsed = false;

  private async startOnce(): Promise<void> {
    if (!this.address) this.address = `127.0.0.1:${await freePort()}`;
    this.output = '';
    const args = [
      CLI,
      'service',
      'start',
      ...(this.options.devMode === false ? [] : ['--dev-mode']),
      ...(this.options.args ?? []),
    ];
    const child = spawn(process.execPath, args, {
      env: {
        ...process.env,
        GOFER_DATA_DIR: this.dataDir,
        GOFER_SERVER__ADDRESS: this.address,
        GOFER_LOG_LEVEL: 'info',
        GOFER_EXTENSIONS__EVENTS_ADDRESS: '127.0.0.1:0',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (this.output += d));
    child.stderr!.on('data', (d) => (this.output += d));
    this.child = child;
    this.client = new GoferClient({
      address: this.address,
      token: this.options.token,
      timeoutMs: 10_000,
    });

    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) {
        // Let the pipes deliver what the process wrote before it went.
        await new Promise((r) =>
          child.stdout!.readableEnded ? r(undefined) : child.once('close', r),
        );
        throw new Error(`the service exited (${child.exitCode}) during start:\n${this.output}`);
      }
      try {
        await this.client.systemInfo();
        this.portUsed = true;
        return;
      } catch {
        if (Date.now() > deadline)
          throw new Error(`the service did not answer within 30 s:\n${this.output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  get log(): string {
    return this.output;
  }

  /** SIGKILL: no chance to clean up, as in a crash. */
  async kill9(): Promise<void> {
    await this.signal('SIGKILL');
  }

  async stop(): Promise<number | null> {
    return this.signal('SIGTERM');
  }

  private async signal(sig: NodeJS.Signals): Promise<number | null> {
    const child = this.child;
    this.client?.close();
    if (!child || child.exitCode !== null || child.signalCode !== null)
      return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    child.kill(sig);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
