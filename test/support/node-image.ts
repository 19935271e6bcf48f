/**
 * `local/gofer-node:1`: this machine's node binary and the shared libraries it links, imported
 * as a one-layer image, for tasks that need to speak to the API from inside a container. It is
 * rebuilt only when the binary changes (its size and modification time, kept in a label).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Docker from 'dockerode';

export const NODE_IMAGE = 'local/gofer-node:1';
const STAMP_LABEL = 'org.gofer-test.node-stamp';

export async function ensureNodeImage(
  docker = new Docker({ socketPath: '/var/run/docker.sock' }),
): Promise<void> {
  const binary = realpathSync(process.execPath);
  const info = statSync(binary);
  const stamp = `${binary}:${info.size}:${info.mtimeMs}`;
  const existing = await docker
    .getImage(NODE_IMAGE)
    .inspect()
    .catch(() => undefined);
  if (existing?.Config?.Labels?.[STAMP_LABEL] === stamp) return;

  const dir = mkdtempSync(join(tmpdir(), 'gofer-node-image-'));
  try {
    const root = join(dir, 'rootfs');
    for (const file of [binary, ...linkedLibraries(binary)]) {
      const target = join(root, file === binary ? '/bin/node' : file);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(realpathSync(file), target);
    }
    mkdirSync(join(root, 'tmp'), { recursive: true });
    const tarFile = join(dir, 'rootfs.tar');
    execFileSync('tar', ['-C', root, '-cf', tarFile, '.']);
    const [repo, tag] = NODE_IMAGE.split(':');
    const stream = await docker.importImage(tarFile, {
      repo,
      tag,
      changes: [`LABEL ${STAMP_LABEL}=${stamp}`, 'ENV PATH=/bin', 'CMD ["/bin/node"]'],
    } as object);
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Absolute paths `ldd` reports for `binary`, the dynamic loader included. */
function linkedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  return [...out.matchAll(/(\/\S+)\s+\(0x/g)].map((m) => m[1]);
}
