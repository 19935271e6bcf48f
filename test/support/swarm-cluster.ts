/**
 * A real two-node swarm on this machine for the swarm scheduler's tests: the running engine
 * becomes the manager on 127.0.0.1, and a second engine, with its own data root, exec root,
 * pidfile and socket, joins as a worker on 127.0.0.2. Both nodes are labelled
 * `gofer-test.node=manager|worker` so that a task can be pinned to one of them.
 *
 * Everything listens on loopback only. Swarm's ingress network and the docker_gwbridge bridge it
 * makes are removed right after init. `stop` leaves the swarm on both engines, stops the worker,
 * unmounts what it left mounted and deletes its folders, so the main engine is left as it was.
 * Other tests use the main engine at the same time, so nothing here touches a container or image
 * it did not make.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';

const run = promisify(execFile);
export const MANAGER_SOCKET = '/var/run/docker.sock';
export const NODE_LABEL = 'gofer-test.node';
/** dockerd's own flags on this machine: no bridge, no iptables rules, no forwarding. */
const SAFE_FLAGS = ['--bridge=none', '--iptables=false', '--ip6tables=false', '--ip-forward=false'];
const READY_MS = 30_000;

export class SwarmCluster {
  readonly manager = new Docker({ socketPath: MANAGER_SOCKET });
  worker!: Docker;
  workerSocket = '';
  workerNodeId = '';
  managerNodeId = '';
  private root = '';
  private workerPid = 0;
  /** Whether this cluster made the swarm; one that was already there is left alone. */
  private initialised = false;

  async start(images: string[]): Promise<void> {
    await this.initManager();
    // Short paths: containerd's sockets live under the exec root and unix paths are limited.
    this.root = mkdtempSync('/tmp/gsw-');
    await this.startWorker();
    await this.loadImages(images);
    await this.joinWorker();
    // A join can bring the bridge back; nothing here needs it.
    await this.removeNetwork('docker_gwbridge');
    await this.docker(
      MANAGER_SOCKET,
      'node',
      'update',
      '--label-add',
      `${NODE_LABEL}=manager`,
      this.managerNodeId,
    );
    await this.docker(
      MANAGER_SOCKET,
      'node',
      'update',
      '--label-add',
      `${NODE_LABEL}=worker`,
      this.workerNodeId,
    );
  }

  async stop(): Promise<void> {
    if (this.workerSocket && existsSync(this.workerSocket)) {
      await this.docker(this.workerSocket, 'swarm', 'leave', '--force').catch(() => undefined);
    }
    if (this.workerNodeId) {
      await this.docker(MANAGER_SOCKET, 'node', 'rm', '--force', this.workerNodeId).catch(
        () => undefined,
      );
    }
    await this.stopWorker();
    if (this.initialised) {
      await this.docker(MANAGER_SOCKET, 'swarm', 'leave', '--force').catch(() => undefined);
      await this.removeNetwork('docker_gwbridge');
    }
    if (this.root) rmSync(this.root, { recursive: true, force: true });
  }

  private async initManager(): Promise<void> {
    const info = (await this.manager.info()) as {
      Swarm: { LocalNodeState: string; NodeID: string; ControlAvailable: boolean };
    };
    if (info.Swarm.LocalNodeState === 'active' && info.Swarm.ControlAvailable) {
      this.managerNodeId = info.Swarm.NodeID;
      return;
    }
    await this.docker(
      MANAGER_SOCKET,
      'swarm',
      'init',
      '--advertise-addr',
      '127.0.0.1',
      '--listen-addr',
      '127.0.0.1:2377',
    );
    this.initialised = true;
    this.managerNodeId = (
      await this.docker(MANAGER_SOCKET, 'info', '--format', '{{.Swarm.NodeID}}')
    ).trim();
    // Swarm makes the ingress overlay within about a second, and a bridge for it.
    await until(async () => (await this.networkNames()).includes('ingress'), 5_000).catch(
      () => undefined,
    );
    await this.removeNetwork('ingress');
    await this.removeNetwork('docker_gwbridge');
  }

  private async startWorker(): Promise<void> {
    const data = join(this.root, 'data');
    const exec = join(this.root, 'x');
    this.workerSocket = join(this.root, 'd.sock');
    const log = openSync(join(this.root, 'dockerd.log'), 'a');
    const child = spawn(
      'dockerd',
      [
        ...SAFE_FLAGS,
        `--data-root=${data}`,
        `--exec-root=${exec}`,
        `--pidfile=${join(this.root, 'd.pid')}`,
        `--host=unix://${this.workerSocket}`,
      ],
      {
        env: { ...process.env, DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: '1' },
        detached: true,
        stdio: ['ignore', log, log],
      },
    );
    child.unref();
    this.workerPid = child.pid ?? 0;
    this.worker = new Docker({ socketPath: this.workerSocket });
    await until(
      () =>
        this.worker.ping().then(
          () => true,
          () => false,
        ),
      READY_MS,
    ).catch(() => {
      throw new Error(
        `the worker dockerd did not answer within ${READY_MS} ms:\n` + this.workerLog(),
      );
    });
  }

  private async loadImages(images: string[]): Promise<void> {
    const save = spawn('docker', ['-H', `unix://${MANAGER_SOCKET}`, 'save', ...images], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const load = spawn('docker', ['-H', `unix://${this.workerSocket}`, 'load', '-q'], {
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    save.stdout.pipe(load.stdin);
    const code = await new Promise<number | null>((resolve) => load.on('close', resolve));
    if (code !== 0)
      throw new Error(`loading ${images.join(', ')} into the worker failed (${code})`);
  }

  private async joinWorker(): Promise<void> {
    const token = (await this.docker(MANAGER_SOCKET, 'swarm', 'join-token', '-q', 'worker')).trim();
    await this.docker(
      this.workerSocket,
      'swarm',
      'join',
      '--token',
      token,
      '--listen-addr',
      '127.0.0.2:2377',
      '--advertise-addr',
      '127.0.0.2',
      '127.0.0.1:2377',
    );
    this.workerNodeId = (
      await this.docker(this.workerSocket, 'info', '--format', '{{.Swarm.NodeID}}')
    ).trim();
    await until(async () => {
      const node = (await this.manager.getNode(this.workerNodeId).inspect()) as {
        Status?: { State?: string };
      };
      return node.Status?.State === 'ready';
    }, READY_MS);
  }

  private async stopWorker(): Promise<void> {
    if (!this.workerPid) return;
    try {
      process.kill(this.workerPid, 'SIGTERM');
    } catch {
      // Already gone.
    }
    await until(async () => !alive(this.workerPid), READY_MS).catch(() => {
      process.kill(this.workerPid, 'SIGKILL');
    });
    // dockerd leaves its network namespace and data root mounted.
    for (const mount of [join(this.root, 'x', 'netns', 'default'), join(this.root, 'data')]) {
      await run('umount', ['-l', mount]).catch(() => undefined);
    }
    for (const mount of mountsUnder(this.root).reverse()) {
      await run('umount', ['-l', mount]).catch(() => undefined);
    }
    this.workerPid = 0;
  }

  private async networkNames(): Promise<string[]> {
    return ((await this.manager.listNetworks()) as { Name: string }[]).map((n) => n.Name);
  }

  private async removeNetwork(name: string): Promise<void> {
    if (!(await this.networkNames()).includes(name)) return;
    await this.manager
      .getNetwork(name)
      .remove()
      .catch(() => undefined);
  }

  private workerLog(): string {
    try {
      return readFileSync(join(this.root, 'dockerd.log'), 'utf8').split('\n').slice(-20).join('\n');
    } catch {
      return '(no log)';
    }
  }

  private async docker(socket: string, ...args: string[]): Promise<string> {
    const { stdout } = await run('docker', ['-H', `unix://${socket}`, ...args], {
      timeout: 60_000,
    });
    return stdout;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function mountsUnder(root: string): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1])
    .filter((point): point is string => point !== undefined && point.startsWith(root + '/'));
}

/** Polls `check` every 100 ms until it holds, failing after `ms`. */
export async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`condition not met within ${ms} ms`);
}
