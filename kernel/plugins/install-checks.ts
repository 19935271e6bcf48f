import type { InstalledPlugin } from '../contracts/model.js';
import type { PluginManifest } from '../contracts/plugin.js';
import { GoferError } from '../errors.js';

const refuse = (message: string, fix: string) =>
  new GoferError('FAILED_PRECONDITION', message, fix);

/**
 * What makes a well-formed package still unfit to install beside the plugins this kernel has:
 * each case would otherwise stop the next start, where it is harder to undo.
 */
export function checkInstallable(
  manifest: PluginManifest,
  known: readonly PluginManifest[],
  installed: readonly InstalledPlugin[],
): void {
  const label = `plugin "${manifest.id}"`;
  if (manifest.kind === 'state-store') {
    throw refuse(
      `${label} is a state store, which cannot be installed: the kernel reads its installed plugins from the state store, so that one must load first`,
      'put its folder in plugins.paths instead',
    );
  }
  if (manifest.kind === 'extension' && !manifest.entry.toLowerCase().endsWith('.wasm')) {
    throw refuse(
      `${label} is an extension whose entry ${manifest.entry} is not a .wasm component`,
      'point "entry" at the component; container extensions are installed with `gofer extension install <name> <image>`',
    );
  }
  const isInstalled = installed.some((p) => p.id === manifest.id);
  const sameId = known.find((m) => m.id === manifest.id);
  if (sameId && !isInstalled) {
    throw refuse(
      `${label} has the id of a plugin that is built in or listed in plugins.paths`,
      'give the package another id',
    );
  }
  const sameName = [
    ...known.map((m) => ({ id: m.id, kind: m.kind, name: m.name })),
    ...installed,
  ].find((m) => m.id !== manifest.id && m.kind === manifest.kind && m.name === manifest.name);
  if (sameName) {
    throw refuse(
      `${label} is named "${manifest.name}", like the ${manifest.kind} plugin "${sameName.id}" already there`,
      `rename one of them, or remove "${sameName.id}" first`,
    );
  }
  for (const [id, range] of Object.entries(manifest.dependsOn ?? {})) {
    if (!known.some((m) => m.id === id) && !installed.some((p) => p.id === id)) {
      throw refuse(
        `${label} depends on plugin "${id}" ${range}, which is not installed`,
        `install "${id}" first`,
      );
    }
  }
}
