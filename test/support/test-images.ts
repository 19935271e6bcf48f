/**
 * Images the integration tests run, built from files on this machine so that no test ever needs
 * a registry. `local/gofer-busybox:1` is Debian's static busybox with its applets linked into
 * /bin, imported as a one-layer image. It is rebuilt only when its content hash, kept in a label,
 * no longer matches.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { ImageInspectInfo } from 'dockerode';

export const BUSYBOX_IMAGE = 'local/gofer-busybox:1';
/** The same files, with a command that serves HTTP on 127.0.0.1:$PORT, for service tests. */
export const HTTPD_IMAGE = 'local/gofer-busybox-httpd:1';
const HTTPD_CMD =
  'CMD ["sh", "-c", "mkdir -p /www && echo ok > /www/index.html && ' +
  'exec httpd -f -v -p 127.0.0.1:$PORT -h /www"]';
const HASH_LABEL = 'org.gofer-test.image-hash';
const BUSYBOX_BINARY = '/bin/busybox';
/** Bump when the recipe below changes, so that cached images are rebuilt. */
const RECIPE = 'busybox-rootfs-v2';

export async function ensureTestImages(
  docker = new Docker({ socketPath: '/var/run/docker.sock' }),
): Promise<void> {
  await ensureBusybox(docker, BUSYBOX_IMAGE, 'CMD ["/bin/sh"]');
  await ensureBusybox(docker, HTTPD_IMAGE, HTTPD_CMD);
}

async function ensureBusybox(docker: Docker, image: string, cmd: string): Promise<void> {
  let binary: Buffer;
  try {
    binary = readFileSync(BUSYBOX_BINARY);
  } catch {
    throw new Error(
      `${BUSYBOX_BINARY} is missing; install it with \`apt-get install busybox-static\``,
    );
  }
  const hash = createHash('sha256').update(RECIPE).update(cmd).update(binary).digest('hex');
  const previous = await imageInfo(docker, image);
  if (previous?.Config?.Labels?.[HASH_LABEL] === hash) return;

  const dir = mkdtempSync(join(tmpdir(), 'gofer-busybox-'));
  try {
    const tarFile = join(dir, 'rootfs.tar');
    buildRootfs(join(dir, 'rootfs'), binary);
    execFileSync('tar', ['-C', join(dir, 'rootfs'), '-cf', tarFile, '.']);
    const [repo, tag] = image.split(':');
    const stream = await docker.importImage(tarFile, {
      repo,
      tag,
      changes: [`LABEL ${HASH_LABEL}=${hash}`, 'ENV PATH=/bin', cmd],
    } as object);
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if ((await imageInfo(docker, image))?.Config?.Labels?.[HASH_LABEL] !== hash) {
    throw new Error(`importing ${image} did not produce an image labelled with its hash`);
  }
  // The outdated build is now untagged; it stays only while some container still uses it.
  if (previous)
    await docker
      .getImage(previous.Id)
      .remove()
      .catch(() => undefined);
}

function buildRootfs(root: string, binary: Buffer): void {
  for (const sub of ['bin', 'etc', 'tmp', 'root', 'proc', 'sys', 'dev']) {
    mkdirSync(join(root, sub), { recursive: true });
  }
  chmodSync(join(root, 'tmp'), 0o1777);
  // The bytes that were hashed are the bytes that go in.
  writeFileSync(join(root, 'bin', 'busybox'), binary);
  chmodSync(join(root, 'bin', 'busybox'), 0o755);
  const applets = execFileSync(BUSYBOX_BINARY, ['--list'], { encoding: 'utf8' })
    .split('\n')
    .filter((name) => name && name !== 'busybox');
  for (const name of applets) symlinkSync('busybox', join(root, 'bin', name));
  writeFileSync(
    join(root, 'etc', 'passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n',
  );
  writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
}

async function imageInfo(docker: Docker, image: string): Promise<ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(image).inspect();
  } catch {
    return undefined;
  }
}
