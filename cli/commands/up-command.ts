import type { Command } from 'commander';
import { commandAction } from '../command-action.js';
import { registerFile } from './pipeline-commands.js';

export function addUpCommand(program: Command): void {
  program
    .command('up <file>')
    .description('register the pipeline a file gives and deploy the new version')
    .action(
      commandAction(async (ctx, [file]) => {
        const registered = await registerFile(ctx, file);
        const live = await ctx
          .client()
          .deployPipeline(ctx.namespace, registered.pipeline, registered.version);
        ctx.output.show(
          live,
          () =>
            `${live.pipeline} version ${live.version} is live; start it with \`gofer run start ${live.pipeline}\``,
        );
      }),
    );
}
