/**
 * Builds a container extension image from a TypeScript entry, without a registry: esbuild
 * bundles the entry (with `gofer:extension/host@0.1.0` mapped to the gRPC bindings in
 * sdk/extension/serve-grpc.ts) into one module, and the image is that module, extension.proto,
 * the host's node binary and the libraries it links, imported as one layer. It is rebuilt only
 * when the hash of what goes in, kept in a label, changes.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';

const HASH_LABEL = 'org.gofer-test.image-hash';
const RECIPE = 'node-extension-v1';

/** The source tree (this file runs from dist/test/support/). */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const PROBE_IMAGE = 'local/gofer-probe-extension:1';

export async function ensureProbeImage(
  docker = new Docker({ socketPath: '/var/run/docker.sock' }),
) {
  await ensureExtensionImage(
    docker,
    join(root, 'test', 'support', 'extensions', 'probe-container.ts'),
    PROBE_IMAGE,
  );
  return PROBE_IMAGE;
}

export async function ensureExtensionImage(
  docker: Docker,
  entry: string,
  image: string,
): Promise<void> {
  const bundle = await bundleEntry(entry);
  const proto = readFileSync(join(root, 'proto', 'gofer', 'v1', 'extension.proto'));
  const hash = createHash('sha256')
    .update(RECIPE)
    .update(bundle)
    .update(proto)
    .update(process.version)
    .digest('hex');
  const previous = await docker
    .getImage(image)
    .inspect()
    .catch(() => undefined);
  if (previous?.Config?.Labels?.[HASH_LABEL] === hash) return;

  const dir = mkdtempSync(join(tmpdir(), 'gofer-ext-image-'));
  try {
    const rootfs = join(dir, 'rootfs');
    mkdirSync(join(rootfs, 'app', 'proto', 'gofer', 'v1'), { recursive: true });
    mkdirSync(join(rootfs, 'tmp'), { recursive: true });
    writeFileSync(join(rootfs, 'app', 'extension.mjs'), bundle);
    writeFileSync(join(rootfs, 'app', 'proto', 'gofer', 'v1', 'extension.proto'), proto);
    copyWithLibraries(process.execPath, rootfs, '/usr/bin/node');
    const tarFile = join(dir, 'rootfs.tar');
    execFileSync('tar', ['-C', rootfs, '-cf', tarFile, '.']);
    const [repo, tag] = image.split(':');
    const stream = await docker.importImage(tarFile, {
      repo,
      tag,
      changes: [
        `LABEL ${HASH_LABEL}=${hash}`,
        'WORKDIR /app',
        'CMD ["/usr/bin/node", "/app/extension.mjs"]',
      ],
    } as object);
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (previous)
    await docker
      .getImage(previous.Id)
      .remove()
      .catch(() => undefined);
}

async function bundleEntry(entry: string): Promise<string> {
  const { build } = await import('esbuild');
  const bindings = join(root, 'sdk', 'extension', 'serve-grpc.ts');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    // grpc-js is CommonJS and calls require(); give the module one.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    plugins: [
      {
        name: 'gofer-host-bindings',
        setup(b) {
          b.onResolve({ filter: /^gofer:extension\/host@/ }, () => ({ path: bindings }));
        },
      },
    ],
  });
  return result.outputFiles[0].text;
}

/** Copies a binary and every library `ldd` names, symlinks resolved, to the same paths. */
function copyWithLibraries(binary: string, rootfs: string, target: string): void {
  const place = (from: string, to: string) => {
    mkdirSync(join(rootfs, dirname(to)), { recursive: true });
    copyFileSync(realpathSync(from), join(rootfs, to));
  };
  place(binary, target);
  execFileSync('chmod', ['755', join(rootfs, target)]);
  const ldd = execFileSync('ldd', [binary], { encoding: 'utf8' });
  for (const line of ldd.split('\n')) {
    const match = /(\/\S+)\s+\(0x/.exec(line);
    if (match) place(match[1], match[1]);
  }
}
