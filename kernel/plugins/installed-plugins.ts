import type { InstalledPlugin } from '../contracts/model.js';
import type { PluginKind } from '../contracts/plugin.js';
import type { StateStore } from '../contracts/state-store.js';
import { GoferError } from '../errors.js';
import type { CreatedPlugin, PluginHost, PluginSelection } from './plugin-host.js';

/** An installed plugin that failed its checks at this start. */
export interface BrokenPlugin {
  record: InstalledPlugin;
  error: GoferError;
}

/**
 * Creates the selected plugins with the installed ones in view. The state store comes first,
 * since it holds the record of what is installed; each installed folder is then checked like
 * any plugin folder. One that fails stops the start only when it is selected; otherwise the
 * kernel starts and `gofer plugin list` shows it broken, so it can be removed or reinstalled.
 */
export async function createPlugins(
  host: PluginHost,
  selections: PluginSelection[],
  onCreated: (instance: unknown) => void,
): Promise<{ created: Map<PluginKind, CreatedPlugin>; broken: BrokenPlugin[] }> {
  const storeSelections = selections.filter((s) => s.kind === 'state-store');
  const created = await host.createAll(storeSelections, onCreated);
  const store = created.get('state-store')!.instance as StateStore;

  const broken: BrokenPlugin[] = [];
  for (const record of await store.listPlugins()) {
    try {
      host.discover([record.dir]);
    } catch (err) {
      broken.push({ record, error: err as GoferError });
    }
  }
  for (const sel of selections) {
    const hit = broken.find((b) => b.record.kind === sel.kind && b.record.name === sel.name);
    if (!hit) continue;
    throw new GoferError(
      'FAILED_PRECONDITION',
      `installed plugin "${hit.record.id}" (the ${sel.kind} "${sel.name}" that ${sel.setting} selects) cannot load: ${hit.error.message}`,
      `reinstall it with \`gofer plugin install ${hit.record.source}\` (${hit.error.fix ?? 'see docs/plugins.md'}), or set ${sel.setting} to another ${sel.kind}`,
    );
  }
  await host.createAll(
    selections.filter((s) => s.kind !== 'state-store'),
    onCreated,
  );
  return { created, broken };
}
