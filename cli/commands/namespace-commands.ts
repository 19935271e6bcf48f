import type { Command } from 'commander';
import { commandAction } from '../command-action.js';
import { renderTable } from '../output.js';
import { namespaceColumns } from '../record-views.js';

export function addNamespaceCommands(program: Command): void {
  const group = program.command('namespace').description('list and manage namespaces');

  group
    .command('list')
    .description('list namespaces')
    .option('-l, --limit <n>', 'at most this many', Number)
    .action(
      commandAction(async (ctx, _args, opts) => {
        const list = await ctx.client().listNamespaces({ limit: opts.limit as number | undefined });
        ctx.output.show(list, () => renderTable(list, namespaceColumns));
      }),
    );

  group
    .command('get <id>')
    .description('show one namespace')
    .action(
      commandAction(async (ctx, [id]) => {
        const ns = await ctx.client().getNamespace(id);
        ctx.output.show(ns, () => renderTable([ns], namespaceColumns));
      }),
    );

  group
    .command('create <id>')
    .description('create a namespace (needs a management token)')
    .option('--name <name>', 'display name; defaults to the id')
    .option('-d, --description <text>', 'description', '')
    .action(
      commandAction(async (ctx, [id], opts) => {
        const ns = await ctx.client().createNamespace({
          id,
          name: opts.name as string | undefined,
          description: opts.description as string,
        });
        ctx.output.show(ns, () => `created namespace ${ns.id}`);
      }),
    );

  group
    .command('update <id>')
    .description('change the name or description of a namespace')
    .option('--name <name>', 'new display name')
    .option('-d, --description <text>', 'new description')
    .action(
      commandAction(async (ctx, [id], opts) => {
        const ns = await ctx.client().updateNamespace(id, {
          name: opts.name as string | undefined,
          description: opts.description as string | undefined,
        });
        ctx.output.show(ns, () => `updated namespace ${ns.id}`);
      }),
    );

  group
    .command('delete <id>')
    .description('cancel the runs of a namespace and delete it with everything in it')
    .action(
      commandAction(async (ctx, [id]) => {
        await ctx.client().deleteNamespace(id);
        ctx.output.show({ deleted: id }, () => `deleted namespace ${id}`);
      }),
    );
}
