import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** Endings that always name a file: nothing else installs from a `.wasm` or a tarball. */
const FILE_ENDINGS = /\.(wasm|tgz|tar\.gz)$/i;

/**
 * The install source to send to the service. The service resolves a relative path against its
 * own working directory, not the user's, so a path is sent absolute: anything that exists here,
 * or that ends as only a file can. Anything else, such as `local/gofer-busybox:1`, is an image
 * reference and goes unchanged.
 */
export function installSource(source: string, cwd = process.cwd()): string {
  const absolute = resolve(cwd, source);
  return existsSync(absolute) || FILE_ENDINGS.test(source) ? absolute : source;
}
