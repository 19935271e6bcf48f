/**
 * The one wrapper every command runs through: it builds the context, runs the command, and turns
 * any failure into `gofer <command>: <message>` with the fix on the next line and exit code 1.
 * The stack is printed only with `--debug`.
 */
import type { Command } from 'commander';
import { CliContext } from './cli-context.js';

/** A command's body; it may return an exit code (e.g. 1 for a run that did not succeed). */
export type CommandBody = (
  ctx: CliContext,
  args: string[],
  options: Record<string, unknown>,
) => Promise<number | void>;

export function commandAction(body: CommandBody) {
  return async function (this: Command, ...received: unknown[]): Promise<void> {
    // Commander passes the positional arguments, then the options object, then the command.
    const command = received.at(-1) as Command;
    const options = received.at(-2) as Record<string, unknown>;
    const args = received.slice(0, -2) as string[];
    let ctx: CliContext | undefined;
    try {
      ctx = new CliContext(command);
      const code = await body(ctx, args, options);
      process.exitCode = code ?? 0;
    } catch (err) {
      reportFailure(command, err);
      process.exitCode = 1;
    } finally {
      ctx?.close();
    }
  };
}

export function reportFailure(command: Command, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  const fix = (err as { fix?: unknown } | null)?.fix;
  process.stderr.write(`gofer ${commandPath(command)}: ${message}\n`);
  if (typeof fix === 'string' && fix) process.stderr.write(`  fix: ${fix}\n`);
  if (command.optsWithGlobals<{ debug?: boolean }>().debug && err instanceof Error && err.stack) {
    process.stderr.write(`${err.stack}\n`);
  }
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
