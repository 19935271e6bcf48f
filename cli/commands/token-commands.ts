import type { Command } from 'commander';
import type { CreatedToken, TokenInfo, TokenKind } from '../../kernel/contracts/auth.js';
import { invalidArgument } from '../../kernel/errors.js';
import { parseDuration } from '../../sdk/config/duration.js';
import { commandAction } from '../command-action.js';
import { type Column, humanTime, renderRecord, renderTable } from '../output.js';

const tokenColumns: Column<TokenInfo>[] = [
  ['ID', (t) => t.id],
  ['NAME', (t) => t.name],
  ['KIND', (t) => t.kind],
  ['NAMESPACES', (t) => (t.kind === 'management' ? '(all)' : t.namespaces.join(', '))],
  ['STATE', (t) => tokenState(t)],
  ['EXPIRES', (t) => (t.expires ? new Date(t.expires).toISOString() : 'never')],
  ['CREATED', (t) => humanTime(t.created)],
];

function tokenState(t: TokenInfo, now = Date.now()): string {
  if (t.disabled) return 'disabled';
  if (t.expires && t.expires <= now) return 'expired';
  return 'active';
}

function tokenRecord(t: TokenInfo): string {
  return renderRecord([
    ...tokenColumns.map(([header, cell]) => [header, cell(t)] as [string, string | number]),
    ['BOOTSTRAP', t.bootstrap ? 'yes' : 'no'],
    ['METADATA', JSON.stringify(t.metadata)],
  ]);
}

/** The plain value goes to stdout alone on its line, so `$(...)` can catch it. */
function showCreated(created: CreatedToken): string {
  return (
    `${created.token}\n` +
    `created ${created.info.kind} token ${created.info.id} (${created.info.name}); ` +
    'this is the only time its value is shown, so store it now'
  );
}

/** `--namespace` may repeat and each may hold a comma list. */
function grants(values: string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

function expiry(value: string | undefined): number {
  if (value === undefined) return 0;
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) {
    throw invalidArgument(
      `--expires ${JSON.stringify(value)} is not a duration`,
      'pass e.g. --expires 24h or --expires 720h',
    );
  }
  return Date.now() + ms;
}

function kind(value: string): TokenKind {
  if (value !== 'management' && value !== 'client') {
    throw invalidArgument(
      `--kind ${JSON.stringify(value)} is not a token kind`,
      'pass --kind client (namespaced) or --kind management',
    );
  }
  return value;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function addTokenCommands(program: Command): void {
  const group = program.command('token').description('create and manage API tokens');

  group
    .command('bootstrap')
    .description('create the first management token; works once per installation')
    .action(
      commandAction(async (ctx) => {
        const created = await ctx.client().bootstrapToken();
        ctx.output.show(created, () => showCreated(created));
      }),
    );

  group
    .command('create')
    .description('create a token (needs a management token); its value is printed once')
    .requiredOption('--name <name>', 'what the token is for; shown as the initiator of its runs')
    .option('--kind <kind>', 'client (reaches its namespaces) or management', 'client')
    .option(
      '--namespace <ids>',
      'namespace or glob granted (repeat, or a comma list), e.g. team-a or "team-*"',
      collect,
    )
    .option('--expires <duration>', 'refuse the token after this long, e.g. 24h')
    .action(
      commandAction(async (ctx, _args, opts) => {
        const created = await ctx.client().createToken({
          name: opts.name as string,
          kind: kind(opts.kind as string),
          // The global --namespace is the CLI's working namespace; only an explicit one grants.
          namespaces: grants(opts.namespace as string[] | undefined),
          expires: expiry(opts.expires as string | undefined),
        });
        ctx.output.show(created, () => showCreated(created));
      }),
    );

  group
    .command('list')
    .description('list tokens (never their values)')
    .action(
      commandAction(async (ctx) => {
        const list = await ctx.client().listTokens();
        ctx.output.show(list, () => renderTable(list, tokenColumns));
      }),
    );

  group
    .command('get <id>')
    .description('show one token')
    .action(
      commandAction(async (ctx, [id]) => {
        const token = await ctx.client().getToken(id);
        ctx.output.show(token, () => tokenRecord(token));
      }),
    );

  for (const [name, verb] of [
    ['enable', 'let a disabled token be used again'],
    ['disable', 'refuse a token until it is enabled again'],
  ] as const) {
    group
      .command(`${name} <id>`)
      .description(verb)
      .action(
        commandAction(async (ctx, [id]) => {
          const client = ctx.client();
          const token = await (name === 'enable'
            ? client.enableToken(id)
            : client.disableToken(id));
          ctx.output.show(token, () => `${name}d token ${token.id} (${token.name})`);
        }),
      );
  }

  group
    .command('delete <id>')
    .description('delete a token; calls made with it are refused from now on')
    .action(
      commandAction(async (ctx, [id]) => {
        await ctx.client().deleteToken(id);
        ctx.output.show({ deleted: id }, () => `deleted token ${id}`);
      }),
    );

  group
    .command('whoami')
    .description('show who the API takes the current token for')
    .action(
      commandAction(async (ctx) => {
        const me = await ctx.client().whoami();
        ctx.output.show(me, () =>
          me.token
            ? tokenRecord(me.token)
            : renderRecord([
                ['KIND', me.principal.kind],
                ['NAME', me.principal.name],
              ]),
        );
      }),
    );
}
