import type { Command } from 'commander';
import { reportFailure } from '../command-action.js';

export function addServiceCommands(program: Command): void {
  const group = program.command('service').description('run the Gofer service');

  group
    .command('start')
    .description(
      'run the kernel and its API until SIGTERM or SIGINT; --config names the server config file',
    )
    .option('--dev-mode', 'development mode: allow-all auth, plain text off loopback, pretty logs')
    .option(
      '--restricted',
      'restricted mode: no container engine, no outbound network; refuses plugins that need them',
    )
    .action(async function (this: Command, opts: { devMode?: boolean; restricted?: boolean }) {
      const { config } = this.optsWithGlobals<{ config?: string }>();
      try {
        // Loaded here so that client commands never pay for the kernel's start-up.
        const { runService } = await import('../../kernel/service.js');
        await runService({
          configFile: config,
          devMode: Boolean(opts.devMode),
          restricted: Boolean(opts.restricted),
        });
      } catch (err) {
        reportFailure(this, err);
        // A service that failed to start must not linger on whatever it had opened.
        process.exit(1);
      }
    });
}
