import type { Command } from 'commander';
import type { GoferEvent } from '../../kernel/contracts/model.js';
import { commandAction } from '../command-action.js';
import { renderTable } from '../output.js';
import { eventColumns, eventLine } from '../record-views.js';
import { interruptSignal } from '../write-logs.js';
import { positiveInt } from './argument-parsers.js';

export function addEventCommands(program: Command): void {
  const group = program.command('event').description('the event log');

  group
    .command('list')
    .description('list stored events, oldest first; with --follow, then new ones as they happen')
    .option('-f, --follow', 'keep printing new events until interrupted')
    .option('-r, --reverse', 'newest first (not with --follow)')
    .option('--after <id>', 'only events after this id', Number)
    .option('-l, --limit <n>', 'at most this many stored events', Number)
    .action(
      commandAction(async (ctx, _args, opts) => {
        const events = ctx.client().listEvents({
          follow: Boolean(opts.follow),
          reverse: Boolean(opts.reverse),
          afterId: opts.after as number | undefined,
          limit: opts.limit as number | undefined,
          signal: interruptSignal(),
        });
        // Following prints as events arrive (one JSON object per line with --output json).
        if (opts.follow) {
          for await (const event of events) {
            process.stdout.write(
              `${ctx.output.format === 'json' ? JSON.stringify(event) : eventLine(event)}\n`,
            );
          }
          return;
        }
        const list: GoferEvent[] = [];
        for await (const event of events) list.push(event);
        ctx.output.show(list, () => renderTable(list, eventColumns));
      }),
    );

  group
    .command('get <id>')
    .description('show one event with its details')
    .action(
      commandAction(async (ctx, [id]) => {
        const event = await ctx.client().getEvent(positiveInt(id, 'id'));
        ctx.output.show(
          event,
          () => `${renderTable([event], eventColumns)}\n${JSON.stringify(event.details, null, 2)}`,
        );
      }),
    );
}
