import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { PluginView } from '../../kernel/api/kernel-services.js';
import type { CliContext } from '../cli-context.js';
import { commandAction } from '../command-action.js';
import { renderRecord, renderTable, type Column } from '../output.js';
import { collect } from '../parse-variables.js';
import { PluginClient } from '../plugin-client.js';

const columns: Column<PluginView>[] = [
  ['ID', (p) => p.id],
  ['KIND', (p) => p.kind],
  ['NAME', (p) => p.name],
  ['VERSION', (p) => p.version],
  ['ORIGIN', (p) => p.origin],
  ['STATUS', (p) => (p.inUse ? `${p.status} (in use)` : p.status)],
];

async function withClient<T>(ctx: CliContext, body: (c: PluginClient) => Promise<T>) {
  const client = new PluginClient(ctx.config);
  try {
    return await body(client);
  } finally {
    client.close();
  }
}

function describePlugin(p: PluginView): string {
  const deps = Object.entries(p.dependsOn).map(([id, range]) => `${id} ${range}`);
  return renderRecord([
    ['id', p.id],
    ['kind', p.kind],
    ['name', p.name],
    ['version', p.version || 'unknown'],
    ['origin', p.origin],
    ['status', p.statusReason ? `${p.status} (${p.statusReason})` : p.status],
    ['in use', p.inUse ? 'yes' : 'no'],
    ['kernel', p.kernel || '-'],
    ['depends on', deps.join(', ') || 'nothing'],
    ['permissions', p.permissions.join(', ') || 'none'],
    ['source', p.source],
    ['folder', p.dir || '-'],
    ['description', p.description || '-'],
  ]);
}

export function addPluginCommands(program: Command): void {
  const group = program.command('plugin').description('install and manage plugins');

  group
    .command('install <source>')
    .description(
      'install a plugin from a package tarball (npm pack), a package folder or a .wasm extension ' +
        "component, read from the kernel's host; packages load at the next start",
    )
    .option('--name <name>', 'the extension name for a .wasm component (default: its file name)')
    .option('--grant <permission>', 'grant a permission a wasm component asks for', collect, [])
    .action(
      commandAction(async (ctx, [source], opts) => {
        const plugin = await withClient(ctx, (c) =>
          c.install({
            source: resolve(source),
            name: (opts.name as string | undefined) ?? '',
            grants: opts.grant as string[],
          }),
        );
        const asks = plugin.permissions.join(', ') || 'none';
        ctx.output.show(
          plugin,
          () =>
            `installed ${plugin.id} ${plugin.version} (${plugin.kind} "${plugin.name}", ${plugin.status}); ` +
            `${plugin.origin === 'extension' ? 'granted' : 'permissions'}: ${asks}`,
        );
      }),
    );

  group
    .command('list')
    .description('list built-in, configured and installed plugins and extensions')
    .action(
      commandAction(async (ctx) => {
        const list = await withClient(ctx, (c) => c.list());
        ctx.output.show(list, () => renderTable(list, columns));
      }),
    );

  group
    .command('info <id>')
    .description('show one plugin: its manifest, origin, status and permissions')
    .action(
      commandAction(async (ctx, [id]) => {
        const plugin = await withClient(ctx, (c) => c.get(id));
        ctx.output.show(plugin, () => describePlugin(plugin));
      }),
    );

  group
    .command('remove <id>')
    .description('remove an installed plugin or extension that is not in use')
    .action(
      commandAction(async (ctx, [id]) => {
        await withClient(ctx, (c) => c.remove(id));
        ctx.output.show({ removed: id }, () => `removed ${id}`);
      }),
    );
}
