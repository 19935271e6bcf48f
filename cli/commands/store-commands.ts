import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { commandAction } from '../command-action.js';
import { byteCount, renderTable, type Column } from '../output.js';
import { parseKeyValue } from '../parse-key-value.js';
import { StoreClient } from '../store-client.js';
import type { ObjectInfo, ObjectScope } from '../../kernel/contracts/object-store.js';
import type { SecretInfo } from '../../kernel/contracts/secret-store.js';
import { invalidArgument } from '../../kernel/errors.js';

const objectColumns: Column<ObjectInfo>[] = [
  ['KEY', (o) => o.key],
  ['SIZE', (o) => byteCount(o.size)],
  ['CREATED', (o) => new Date(o.created).toISOString()],
];
const secretColumns: Column<SecretInfo>[] = [
  ['KEY', (s) => s.key],
  ['CREATED', (s) => new Date(s.created).toISOString()],
  ['NAMESPACES', (s) => s.namespaces.join(', ')],
];

/** Runs `body` with a store client made from the command's settings, closed afterwards. */
async function withStores<T>(ctx: CliContext, body: (c: StoreClient) => Promise<T>): Promise<T> {
  const c = new StoreClient({
    address: ctx.config.address,
    token: ctx.config.token,
    tls: ctx.config.tls,
    tlsCa: ctx.config.tlsCa,
    timeoutMs: ctx.config.timeoutMs,
  });
  try {
    return await body(c);
  } finally {
    c.close();
  }
}

function runNumber(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw invalidArgument(`run "${text}" is not a run number`, 'give the run id, e.g. 12');
  }
  return n;
}

/** `store list|get|put|delete` under a parent; `scope` reads the scope from the arguments. */
function addObjectCommands(
  parent: Command,
  args: string,
  scope: (ctx: CliContext, args: string[]) => ObjectScope,
): void {
  const store = parent.command('store').description('list and manage objects');
  store
    .command(`list ${args}`)
    .description('list object keys with sizes and created times')
    .action(
      commandAction(async (ctx, a) => {
        const list = await withStores(ctx, (c) => c.listObjects(scope(ctx, a)));
        ctx.output.show(list, () => renderTable(list, objectColumns));
      }),
    );
  store
    .command(`get ${args} <key>`)
    .description('print an object value')
    .action(
      commandAction(async (ctx, a) => {
        const key = a.at(-1)!;
        const got = await withStores(ctx, (c) => c.getObject({ ...scope(ctx, a), key }));
        if (ctx.output.format === 'json') {
          ctx.output.show({ ...got.info, value_base64: got.value.toString('base64') }, () => '');
        } else process.stdout.write(got.value);
      }),
    );
  store
    .command(`put ${args} <key=value>`)
    .description('store a value: key=value, or key=@file for a file')
    .option('-f, --force', 'replace an existing value')
    .action(
      commandAction(async (ctx, a, opts) => {
        const { key, value } = parseKeyValue(a.at(-1)!);
        const put = await withStores(ctx, (c) =>
          c.putObject({ ...scope(ctx, a), key }, value, { force: Boolean(opts.force) }),
        );
        ctx.output.show(put, () =>
          [
            `stored ${key} (${byteCount(put.info.size)})`,
            ...put.evicted.map((e) => `evicted ${e}: the pipeline was at its object limit`),
          ].join('\n'),
        );
      }),
    );
  store
    .command(`delete ${args} <key>`)
    .description('delete an object')
    .action(
      commandAction(async (ctx, a) => {
        const key = a.at(-1)!;
        await withStores(ctx, (c) => c.deleteObject({ ...scope(ctx, a), key }));
        ctx.output.show({ deleted: key }, () => `deleted ${key}`);
      }),
    );
}

export function addStoreCommands(program: Command): void {
  const group = (name: string) => program.commands.find((c) => c.name() === name)!;
  addObjectCommands(group('pipeline'), '<pipeline>', (ctx, [pipeline]) => ({
    namespace: ctx.namespace,
    pipeline,
  }));
  addObjectCommands(group('run'), '<pipeline> <run>', (ctx, [pipeline, run]) => ({
    namespace: ctx.namespace,
    pipeline,
    run: runNumber(run),
  }));
  addSecretCommands(program);
}

function addSecretCommands(program: Command): void {
  const secret = program.command('secret').description('manage pipeline and global secrets');
  const pipeline = secret.command('pipeline').description("a pipeline's secrets");
  pipeline
    .command('list <pipeline>')
    .description('list secret keys (never values)')
    .action(
      commandAction(async (ctx, [p]) => {
        const list = await withStores(ctx, (c) => c.listPipelineSecrets(ctx.namespace, p));
        ctx.output.show(list, () => renderTable(list, secretColumns));
      }),
    );
  pipeline
    .command('get <pipeline> <key>')
    .description('show a secret: metadata, and the value with --include-value')
    .option('--include-value', 'print the value too')
    .action(
      commandAction(async (ctx, [p, key], opts) => {
        const got = await withStores(ctx, (c) =>
          c.getPipelineSecret(ctx.namespace, p, key, Boolean(opts.includeValue)),
        );
        showSecret(ctx, got);
      }),
    );
  pipeline
    .command('put <pipeline> <key=value>')
    .description('store a secret: key=value, or key=@file (at least 6 bytes)')
    .option('-f, --force', 'replace an existing value')
    .action(
      commandAction(async (ctx, [p, kv], opts) => {
        const { key, value } = parseKeyValue(kv);
        const info = await withStores(ctx, (c) =>
          c.putPipelineSecret(ctx.namespace, p, key, value, { force: Boolean(opts.force) }),
        );
        ctx.output.show(info, () => `stored secret ${key}`);
      }),
    );
  pipeline
    .command('delete <pipeline> <key>')
    .description('delete a secret')
    .action(
      commandAction(async (ctx, [p, key]) => {
        await withStores(ctx, (c) => c.deletePipelineSecret(ctx.namespace, p, key));
        ctx.output.show({ deleted: key }, () => `deleted secret ${key}`);
      }),
    );

  const global = secret.command('global').description('global secrets (management token)');
  global
    .command('list')
    .description('list global secret keys and the namespaces allowed to use them')
    .action(
      commandAction(async (ctx) => {
        const list = await withStores(ctx, (c) => c.listGlobalSecrets());
        ctx.output.show(list, () => renderTable(list, secretColumns));
      }),
    );
  global
    .command('get <key>')
    .description('show a global secret: metadata, and the value with --include-value')
    .option('--include-value', 'print the value too')
    .action(
      commandAction(async (ctx, [key], opts) => {
        const got = await withStores(ctx, (c) =>
          c.getGlobalSecret(key, Boolean(opts.includeValue)),
        );
        showSecret(ctx, got);
      }),
    );
  global
    .command('put <key=value>')
    .description('store a global secret: key=value, or key=@file (at least 6 bytes)')
    .option('-f, --force', 'replace an existing value')
    .option('--namespaces <list>', 'namespaces allowed to use it, comma separated; globs allowed')
    .action(
      commandAction(async (ctx, [kv], opts) => {
        const { key, value } = parseKeyValue(kv);
        const namespaces = String(opts.namespaces ?? '')
          .split(',')
          .map((n) => n.trim())
          .filter(Boolean);
        const info = await withStores(ctx, (c) =>
          c.putGlobalSecret(key, value, { force: Boolean(opts.force), namespaces }),
        );
        ctx.output.show(info, () => `stored global secret ${key}`);
      }),
    );
  global
    .command('delete <key>')
    .description('delete a global secret')
    .action(
      commandAction(async (ctx, [key]) => {
        await withStores(ctx, (c) => c.deleteGlobalSecret(key));
        ctx.output.show({ deleted: key }, () => `deleted global secret ${key}`);
      }),
    );
}

function showSecret(ctx: CliContext, got: { info: SecretInfo; value?: Buffer }): void {
  const shown = got.value === undefined ? got.info : { ...got.info, value: got.value.toString() };
  ctx.output.show(shown, () =>
    [
      renderTable([got.info], secretColumns),
      ...(got.value === undefined ? [] : [got.value.toString()]),
    ].join('\n'),
  );
}
