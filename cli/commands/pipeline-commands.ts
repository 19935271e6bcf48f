import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { commandAction } from '../command-action.js';
import { renderTable } from '../output.js';
import { readPipelineConfig } from '../pipeline-program.js';
import { configColumns, pipelineColumns } from '../record-views.js';
import { positiveInt } from './argument-parsers.js';

/** Registers the config a file gives; shared by `pipeline register` and `up`. */
export async function registerFile(ctx: CliContext, file: string) {
  const config = await readPipelineConfig(file);
  return ctx.client().registerPipeline(ctx.namespace, config);
}

export function addPipelineCommands(program: Command): void {
  const group = program.command('pipeline').description('register, deploy and manage pipelines');

  group
    .command('register <file>')
    .description('register the config a .json file holds or a .js/.mjs/.ts program prints')
    .action(
      commandAction(async (ctx, [file]) => {
        const version = await registerFile(ctx, file);
        ctx.output.show(
          version,
          () =>
            `registered ${version.pipeline} version ${version.version}; deploy it with \`gofer pipeline deploy ${version.pipeline} ${version.version}\``,
        );
      }),
    );

  group
    .command('list')
    .description('list the pipelines of the namespace')
    .option('-l, --limit <n>', 'at most this many', Number)
    .action(
      commandAction(async (ctx, _args, opts) => {
        const list = await ctx
          .client()
          .listPipelines(ctx.namespace, { limit: opts.limit as number | undefined });
        ctx.output.show(list, () => renderTable(list, pipelineColumns));
      }),
    );

  group
    .command('get <id>')
    .description('show one pipeline')
    .action(
      commandAction(async (ctx, [id]) => {
        const pipeline = await ctx.client().getPipeline(ctx.namespace, id);
        ctx.output.show(pipeline, () => renderTable([pipeline], pipelineColumns));
      }),
    );

  group
    .command('deploy <id> <version>')
    .description('make a registered version the one new runs use')
    .action(
      commandAction(async (ctx, [id, version]) => {
        const live = await ctx
          .client()
          .deployPipeline(ctx.namespace, id, positiveInt(version, 'version'));
        ctx.output.show(live, () => `${id} version ${live.version} is live`);
      }),
    );

  for (const [name, description] of [
    ['enable', 'let new runs of a pipeline start'],
    ['disable', 'refuse new runs of a pipeline; runs in flight carry on'],
  ] as const) {
    group
      .command(`${name} <id>`)
      .description(description)
      .action(
        commandAction(async (ctx, [id]) => {
          const client = ctx.client();
          const pipeline =
            name === 'enable'
              ? await client.enablePipeline(ctx.namespace, id)
              : await client.disablePipeline(ctx.namespace, id);
          ctx.output.show(pipeline, () => `${id} is ${pipeline.state}`);
        }),
      );
  }

  group
    .command('delete <id>')
    .description('cancel the runs of a pipeline and delete it with its configs and runs')
    .action(
      commandAction(async (ctx, [id]) => {
        await ctx.client().deletePipeline(ctx.namespace, id);
        ctx.output.show({ deleted: id }, () => `deleted pipeline ${id}`);
      }),
    );

  const config = group.command('config').description('the registered versions of a pipeline');
  config
    .command('list <pipeline>')
    .description('list the versions of a pipeline')
    .action(
      commandAction(async (ctx, [pipeline]) => {
        const list = await ctx.client().listConfigs(ctx.namespace, pipeline);
        ctx.output.show(list, () => renderTable(list, configColumns));
      }),
    );
  config
    .command('get <pipeline> [version]')
    .description('print one version of the config as JSON (default: the live one)')
    .action(
      commandAction(async (ctx, [pipeline, version]) => {
        const wanted = version === undefined ? 0 : positiveInt(version, 'version');
        const found = await ctx.client().getConfig(ctx.namespace, pipeline, wanted);
        ctx.output.show(found, () => JSON.stringify(found.config, null, 2));
      }),
    );
}
