import type { Command } from 'commander';
import type { ExtensionView } from '../../kernel/api/kernel-services.js';
import type { Subscription } from '../../kernel/contracts/model.js';
import type { CliContext } from '../cli-context.js';
import { commandAction } from '../command-action.js';
import { ExtensionClient } from '../extension-client.js';
import { installSource } from '../install-source.js';
import { renderRecord, renderTable, type Column } from '../output.js';
import { collect, parseVariables } from '../parse-variables.js';

const extensionColumns: Column<ExtensionView>[] = [
  ['NAME', (e) => e.name],
  ['RUNTIME', (e) => e.runtime],
  ['ENABLED', (e) => (e.enabled ? 'yes' : 'no')],
  ['STATUS', (e) => e.status],
  ['VERSION', (e) => e.info?.version ?? ''],
  ['SOURCE', (e) => e.source],
];

const subscriptionColumns: Column<Subscription>[] = [
  ['PIPELINE', (s) => s.pipeline],
  ['EXTENSION', (s) => s.extension],
  ['LABEL', (s) => s.label],
  ['STATE', (s) => s.state],
  [
    'SETTINGS',
    (s) =>
      Object.entries(s.settings)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
  ],
  ['REASON', (s) => s.statusReason],
];

/** Runs `body` with an extension client made from the command's settings, closed after. */
async function withClient<T>(ctx: CliContext, body: (c: ExtensionClient) => Promise<T>) {
  const client = new ExtensionClient(ctx.config);
  try {
    return await body(client);
  } finally {
    client.close();
  }
}

function describeExtension(e: ExtensionView): string {
  const params = (list: { key: string; required: boolean; documentation: string }[] = []) =>
    list.map((p) => `  ${p.key}${p.required ? ' (required)' : ''}: ${p.documentation}`).join('\n');
  return [
    renderRecord([
      ['name', e.name],
      ['source', e.source],
      ['runtime', e.runtime],
      ['enabled', e.enabled ? 'yes' : 'no'],
      ['status', e.statusReason ? `${e.status} (${e.statusReason})` : e.status],
      ['version', e.info?.version ?? 'unknown until it has started'],
      ['grants', e.grants.join(', ') || 'none'],
      ['config keys', e.configKeys.join(', ') || 'none'],
    ]),
    '',
    e.info?.documentation ?? '',
    '',
    `config parameters:\n${params(e.info?.configParams) || '  none'}`,
    `subscription parameters:\n${params(e.info?.subscriptionParams) || '  none'}`,
  ].join('\n');
}

export function addExtensionCommands(program: Command): void {
  const group = program.command('extension').description('install and manage extensions');

  const install = commandAction(async (ctx, [name, source], opts) => {
    const ext = await withClient(ctx, (c) =>
      c.install({
        name,
        source: installSource(source),
        config: parseVariables(opts.pairs as string[]),
        grants: opts.grant as string[],
      }),
    );
    const granted = ext.grants.length > 0 ? `; granted: ${ext.grants.join(', ')}` : '';
    ctx.output.show(ext, () => `installed ${ext.name} (${ext.runtime}, ${ext.status})${granted}`);
  });
  group
    .command('install <name> <source>')
    .description(
      'install an extension from a container image or a .wasm component file; ' +
        'give its configuration as -c KEY=VALUE (repeatable)',
    )
    .option('--grant <permission>', 'grant a permission a wasm extension asks for', collect, [])
    .action(function (this: Command, ...received: unknown[]) {
      // `-c` is also the global --config flag, which would swallow KEY=VALUE; after `install`
      // it means extension configuration, so take those values back from the raw arguments.
      const pairs = configPairsAfter(
        (program as unknown as { rawArgs: string[] }).rawArgs,
        'install',
      );
      if (pairs.includes(program.getOptionValue('config') as string)) {
        program.setOptionValue('config', undefined);
      }
      (received.at(-2) as Record<string, unknown>).pairs = pairs;
      return install.apply(this, received);
    });

  for (const [verb, text] of [
    ['uninstall', 'stop an extension, remove its subscriptions and revoke its credentials'],
    ['enable', 'start an extension again'],
    ['disable', 'stop an extension; it starts no runs until enabled'],
  ] as const) {
    group
      .command(`${verb} <name>`)
      .description(text)
      .action(
        commandAction(async (ctx, [name]) => {
          const result = await withClient(ctx, async (c) =>
            verb === 'uninstall' ? (await c.uninstall(name), { uninstalled: name }) : c[verb](name),
          );
          ctx.output.show(result, () => `${verb}d ${name}`);
        }),
      );
  }

  group
    .command('list')
    .description('list installed extensions')
    .action(
      commandAction(async (ctx) => {
        const list = await withClient(ctx, (c) => c.list());
        ctx.output.show(list, () => renderTable(list, extensionColumns));
      }),
    );

  group
    .command('get <name>')
    .description('show an extension with its documentation and parameters')
    .action(
      commandAction(async (ctx, [name]) => {
        const ext = await withClient(ctx, (c) => c.get(name));
        ctx.output.show(ext, () => describeExtension(ext));
      }),
    );

  addSubscriptionCommands(program);
}

function addSubscriptionCommands(program: Command): void {
  const pipeline = program.commands.find((c) => c.name() === 'pipeline');
  const key = (ctx: CliContext, [p, extension, label]: string[]) => ({
    namespace: ctx.namespace,
    pipeline: p,
    extension,
    label,
  });

  pipeline
    ?.command('subscribe <pipeline> <extension> <label>')
    .description('subscribe a pipeline to an extension; the extension checks the settings')
    .option('-s, --setting <KEY=VALUE>', 'a setting for the extension (repeatable)', collect, [])
    .action(
      commandAction(async (ctx, args, opts) => {
        const settings = parseVariables(opts.setting as string[]);
        const sub = await withClient(ctx, (c) => c.subscribe({ ...key(ctx, args), settings }));
        ctx.output.show(
          sub,
          () => `subscribed ${sub.pipeline} to ${sub.extension} as ${sub.label}`,
        );
      }),
    );

  pipeline
    ?.command('unsubscribe <pipeline> <extension> <label>')
    .description('remove a subscription')
    .action(
      commandAction(async (ctx, args) => {
        await withClient(ctx, (c) => c.unsubscribe(key(ctx, args)));
        ctx.output.show(
          key(ctx, args),
          () => `unsubscribed ${args[0]} from ${args[1]} (${args[2]})`,
        );
      }),
    );

  const group = program.command('subscription').description('list and switch subscriptions');
  group
    .command('list [pipeline]')
    .description("list the namespace's subscriptions, or one pipeline's")
    .action(
      commandAction(async (ctx, [p]) => {
        const list = await withClient(ctx, (c) => c.listSubscriptions(ctx.namespace, p ?? ''));
        ctx.output.show(list, () => renderTable(list, subscriptionColumns));
      }),
    );
  for (const verb of ['enable', 'disable'] as const) {
    group
      .command(`${verb} <pipeline> <extension> <label>`)
      .description(
        verb === 'enable'
          ? 'let a subscription start runs again'
          : 'stop a subscription from starting runs',
      )
      .action(
        commandAction(async (ctx, args) => {
          const sub = await withClient(ctx, (c) =>
            c.setSubscription(key(ctx, args), verb === 'enable'),
          );
          ctx.output.show(sub, () => `${verb}d ${sub.pipeline} ${sub.extension} (${sub.label})`);
        }),
      );
  }
}

/** Values of `-c`/`--config` given after the word `after`. */
function configPairsAfter(raw: readonly string[], after: string): string[] {
  const start = raw.indexOf(after);
  const pairs: string[] = [];
  for (let i = start + 1; start >= 0 && i < raw.length; i++) {
    const arg = raw[i];
    if ((arg === '-c' || arg === '--config') && i + 1 < raw.length) pairs.push(raw[++i]);
    else if (arg.startsWith('--config=')) pairs.push(arg.slice('--config='.length));
    else if (arg.startsWith('-c') && arg.length > 2) pairs.push(arg.slice(2));
  }
  return pairs;
}
