#!/usr/bin/env node
/**
 * The `gofer` command. The whole command tree is declared here; each group lives in
 * cli/commands/ and every command body runs through `commandAction`.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { addEventCommands } from './commands/event-commands.js';
import { addExtensionCommands } from './commands/extension-commands.js';
import { addNamespaceCommands } from './commands/namespace-commands.js';
import { addPipelineCommands } from './commands/pipeline-commands.js';
import { addPluginCommands } from './commands/plugin-commands.js';
import { addRunCommands } from './commands/run-commands.js';
import { addServiceCommands } from './commands/service-commands.js';
import { addStoreCommands } from './commands/store-commands.js';
import { addTaskRunCommands } from './commands/taskrun-commands.js';
import { addTokenCommands } from './commands/token-commands.js';
import { addUpCommand } from './commands/up-command.js';

function packageVersion(): string {
  // Found by walking up, since this file runs from dist/cli/.
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      return (
        JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { version: string }
      ).version;
    } catch {
      continue;
    }
  }
  return 'unknown';
}

export function buildProgram(): Command {
  const program = new Command('gofer')
    .description('Run pipelines of containers on the engine you already have.')
    .version(packageVersion(), '--version')
    .option('-a, --address <host:port>', 'API address (GOFER_CLI_ADDRESS; default 127.0.0.1:8080)')
    .option('-n, --namespace <id>', 'namespace (GOFER_CLI_NAMESPACE; default "default")')
    .option('-t, --token <token>', 'API token (GOFER_CLI_TOKEN, else GOFER_API_TOKEN)')
    .addOption(
      new Option('-o, --output <format>', 'table or json (GOFER_CLI_OUTPUT)').choices([
        'table',
        'json',
      ]),
    )
    .option('--tls', 'speak TLS to the API (GOFER_CLI_TLS)')
    .option(
      '--tls-ca <file>',
      'PEM of the CA that signed the server certificate (GOFER_CLI_TLS_CA)',
    )
    .option('--timeout <seconds>', 'deadline of each call (GOFER_CLI_TIMEOUT; default 30)')
    .option(
      '-c, --config <file>',
      'CLI config file (GOFER_CLI_CONFIG; default ~/.config/gofer/cli.toml); for `service start`, the server config file',
    )
    .option('--debug', 'print stack traces with errors')
    .showHelpAfterError();

  addServiceCommands(program);
  addUpCommand(program);
  addPipelineCommands(program);
  addRunCommands(program);
  addTaskRunCommands(program);
  addNamespaceCommands(program);
  addEventCommands(program);
  addStoreCommands(program);
  addExtensionCommands(program);
  addPluginCommands(program);
  addTokenCommands(program);
  return program;
}

// Output piped into `head` and the like: a closed reader ends the command quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE')
      process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw err;
  });
}

await buildProgram().parseAsync(process.argv);
