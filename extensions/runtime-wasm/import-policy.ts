/**
 * Which component imports an extension may have. A component reaches nothing but its imports,
 * so this list is the whole sandbox policy:
 *
 * - `gofer:extension/*` is always allowed: it is the contract itself.
 * - Any other interface needs a grant naming its package (`wasi:clocks`) or the interface itself
 *   (`wasi:clocks/wall-clock`). The wildcard grant `wasi:*` covers the harmless ones only.
 * - Interfaces that reach outside the sandbox (files, network, the host's environment) are
 *   granted only by a grant that names them: `wasi:filesystem`, `wasi:sockets`, `wasi:http`,
 *   `wasi:cli/environment`. Even then the runtime gives them nothing real to reach: no
 *   preopened directories, no network, an empty environment.
 * - `wasi:io/*` carries no authority of its own (streams and pollables come from other
 *   interfaces), so any granted WASI interface brings it along.
 */
const ALWAYS_ALLOWED = ['gofer:extension/'];
const SENSITIVE = ['wasi:filesystem', 'wasi:sockets', 'wasi:http', 'wasi:cli/environment'];
const WILDCARD = 'wasi:*';

/** `wasi:clocks/wall-clock@0.2.3` -> `wasi:clocks/wall-clock`. */
export function interfaceName(importName: string): string {
  return importName.replace(/@[^/@]*$/, '');
}

/** The grant an operator would pass to allow `importName`. */
export function grantFor(importName: string): string {
  const iface = interfaceName(importName);
  const sensitive = SENSITIVE.find((prefix) => iface === prefix || iface.startsWith(`${prefix}/`));
  return sensitive ?? iface.split('/')[0];
}

export function isImportAllowed(importName: string, grants: readonly string[]): boolean {
  const iface = interfaceName(importName);
  if (ALWAYS_ALLOWED.some((prefix) => iface.startsWith(prefix))) return true;

  const needed = grantFor(importName);
  if (grants.includes(needed) || grants.includes(iface)) return true;
  if (SENSITIVE.includes(needed)) return false;
  if (iface.startsWith('wasi:io/')) return grants.some((grant) => grant.startsWith('wasi:'));
  return iface.startsWith('wasi:') && grants.includes(WILDCARD);
}

/** One readable problem per import that `grants` do not allow. */
export function importProblems(imports: readonly string[], grants: readonly string[]): string[] {
  return imports
    .filter((name) => !isImportAllowed(name, grants))
    .map(
      (name) =>
        `the component imports ${name}, which is not granted; ` +
        `allow it with --grant ${grantFor(name)} if the extension should have it`,
    );
}
