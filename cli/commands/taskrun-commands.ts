import type { Command } from 'commander';
import { commandAction } from '../command-action.js';
import { renderTable } from '../output.js';
import { taskRunColumns } from '../record-views.js';
import { interruptSignal, writeLogs } from '../write-logs.js';
import { positiveInt } from './argument-parsers.js';

export function addTaskRunCommands(program: Command): void {
  const group = program.command('taskrun').description('the task runs of a run');

  group
    .command('list <pipeline> <run>')
    .description('list the task runs of a run, in config order')
    .action(
      commandAction(async (ctx, [pipeline, run]) => {
        const list = await ctx
          .client()
          .listTaskRuns(ctx.namespace, pipeline, positiveInt(run, 'run'));
        ctx.output.show(list, () => renderTable(list, taskRunColumns));
      }),
    );

  group
    .command('get <pipeline> <run> <task>')
    .description('show one task run')
    .action(
      commandAction(async (ctx, [pipeline, run, task]) => {
        const taskRun = await ctx
          .client()
          .getTaskRun(ctx.namespace, pipeline, positiveInt(run, 'run'), task);
        ctx.output.show(taskRun, () => renderTable([taskRun], taskRunColumns));
      }),
    );

  group
    .command('logs <pipeline> <run> <task>')
    .description("print a task's output as raw bytes (its stderr to stderr)")
    .option('-f, --follow', 'keep printing until the task run is complete')
    .action(
      commandAction(async (ctx, [pipeline, run, task], opts) => {
        const chunks = ctx
          .client()
          .taskRunLogs(ctx.namespace, pipeline, positiveInt(run, 'run'), task, {
            follow: Boolean(opts.follow),
            signal: interruptSignal(),
          });
        await writeLogs(chunks);
      }),
    );

  group
    .command('cancel <pipeline> <run> <task>')
    .description('stop one task run')
    .option('-r, --reason <text>', 'why', '')
    .action(
      commandAction(async (ctx, [pipeline, run, task], opts) => {
        const taskRun = await ctx
          .client()
          .cancelTaskRun(
            ctx.namespace,
            pipeline,
            positiveInt(run, 'run'),
            task,
            opts.reason as string,
          );
        ctx.output.show(taskRun, () => `cancelling task ${task} of ${pipeline} run ${run}`);
      }),
    );
}
