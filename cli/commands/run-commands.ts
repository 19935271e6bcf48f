import type { Command } from 'commander';
import type { Run } from '../../kernel/contracts/model.js';
import type { CliContext } from '../cli-context.js';
import { commandAction } from '../command-action.js';
import { Progress, renderTable } from '../output.js';
import { collect, parseVariables } from '../parse-variables.js';
import { renderRun, runColumns } from '../record-views.js';
import { interruptSignal, writeLogs } from '../write-logs.js';
import { positiveInt } from './argument-parsers.js';

export function addRunCommands(program: Command): void {
  const group = program.command('run').description('start, watch and manage runs');

  group
    .command('start <pipeline>')
    .description('start a run of the live version')
    .option(
      '-v, --variable <KEY=VALUE>',
      'run variable; repeatable; the value may hold =',
      collect,
      [],
    )
    .option('-r, --reason <text>', 'why the run was started', '')
    .option('-w, --wait', 'follow the run until it completes; exit non-zero unless it succeeded')
    .action(
      commandAction(async (ctx, [pipeline], opts) => {
        const variables = parseVariables(opts.variable as string[]);
        const client = ctx.client();
        // Note the newest event before starting, so the wait sees every event of the new run.
        const before = opts.wait ? await newestEventId(ctx) : 0;
        const run = await client.startRun(
          ctx.namespace,
          pipeline,
          variables,
          opts.reason as string,
        );
        if (!opts.wait) {
          ctx.output.show(
            run,
            () =>
              `started ${pipeline} run ${run.id}; follow it with \`gofer run get ${pipeline} ${run.id}\``,
          );
          return;
        }
        const final = await waitForRun(ctx, run, before);
        const taskRuns = await client.listTaskRuns(ctx.namespace, pipeline, run.id);
        ctx.output.show({ run: final, taskRuns }, () => renderRun(final, taskRuns));
        return final.status === 'SUCCESSFUL' ? 0 : 1;
      }),
    );

  group
    .command('list <pipeline>')
    .description('list runs, newest first')
    .option('-l, --limit <n>', 'at most this many', Number)
    .action(
      commandAction(async (ctx, [pipeline], opts) => {
        const runs = await ctx
          .client()
          .listRuns(ctx.namespace, pipeline, { limit: opts.limit as number | undefined });
        ctx.output.show(runs, () => renderTable(runs, runColumns));
      }),
    );

  group
    .command('get <pipeline> <run>')
    .description('show a run with its task runs')
    .action(
      commandAction(async (ctx, [pipeline, id]) => {
        const n = positiveInt(id, 'run');
        const [run, taskRuns] = await Promise.all([
          ctx.client().getRun(ctx.namespace, pipeline, n),
          ctx.client().listTaskRuns(ctx.namespace, pipeline, n),
        ]);
        ctx.output.show({ run, taskRuns }, () => renderRun(run, taskRuns));
      }),
    );

  group
    .command('cancel <pipeline> <run>')
    .description('cancel a run')
    .option('-r, --reason <text>', 'why', '')
    .action(
      commandAction(async (ctx, [pipeline, id], opts) => {
        const run = await ctx
          .client()
          .cancelRun(ctx.namespace, pipeline, positiveInt(id, 'run'), opts.reason as string);
        ctx.output.show(run, () => `cancelling ${pipeline} run ${run.id}`);
      }),
    );

  group
    .command('cancel-all <pipeline>')
    .description('cancel every run of a pipeline that is not complete')
    .option('-r, --reason <text>', 'why', '')
    .action(
      commandAction(async (ctx, [pipeline], opts) => {
        const ids = await ctx
          .client()
          .cancelAllRuns(ctx.namespace, pipeline, opts.reason as string);
        ctx.output.show(ids, () =>
          ids.length ? `cancelling runs ${ids.join(', ')}` : 'no run was in flight',
        );
      }),
    );

  group
    .command('retry <pipeline> <run>')
    .description('start a new run with the same variables on the same version')
    .option('-r, --reason <text>', 'why', '')
    .action(
      commandAction(async (ctx, [pipeline, id], opts) => {
        const run = await ctx
          .client()
          .retryRun(ctx.namespace, pipeline, positiveInt(id, 'run'), opts.reason as string);
        ctx.output.show(run, () => `started ${pipeline} run ${run.id}, retrying run ${id}`);
      }),
    );

  group
    .command('logs <pipeline> <run>')
    .description('print the output of every task of a run as raw bytes (stderr to stderr)')
    .option('-f, --follow', 'keep printing until the run is complete')
    .action(
      commandAction(async (ctx, [pipeline, id], opts) => {
        const chunks = ctx.client().runLogs(ctx.namespace, pipeline, positiveInt(id, 'run'), {
          follow: Boolean(opts.follow),
          signal: interruptSignal(),
        });
        await writeLogs(chunks);
      }),
    );
}

async function newestEventId(ctx: CliContext): Promise<number> {
  for await (const event of ctx.client().listEvents({ reverse: true, limit: 1 })) return event.id;
  return 0;
}

/** Follows events until the run completes, keeping a progress line up to date. */
async function waitForRun(ctx: CliContext, run: Run, afterId: number): Promise<Run> {
  const client = ctx.client();
  const progress = new Progress();
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const mine = (e: { namespace: string; pipeline: string; run: number }) =>
    e.namespace === run.namespace && e.pipeline === run.pipeline && e.run === run.id;

  try {
    progress.update(`${run.pipeline} run ${run.id}: ${run.state.toLowerCase()}`);
    for await (const event of client.listEvents({
      afterId,
      follow: true,
      signal: controller.signal,
    })) {
      if (!mine(event)) continue;
      if (event.type === 'RUN_COMPLETED') break;
      if (event.type.startsWith('TASK_RUN_') || event.type === 'RUN_STARTED') {
        const tasks = await client.listTaskRuns(run.namespace, run.pipeline, run.id);
        const done = tasks.filter((t) => t.state === 'COMPLETE').length;
        const running = tasks.filter((t) => t.state === 'RUNNING').map((t) => t.id);
        progress.update(
          `${run.pipeline} run ${run.id}: ${done}/${tasks.length} tasks done${running.length ? `, running ${running.join(', ')}` : ''}`,
        );
      }
    }
  } finally {
    controller.abort();
    progress.done();
  }
  return client.getRun(run.namespace, run.pipeline, run.id);
}
