/**
 * What every command gets: the resolved settings, a client made on first use, and the output.
 * Commands receive it from `commandAction` and never read flags or the environment themselves.
 */
import type { Command } from 'commander';
import { type ClientConfig, type ClientFlags, resolveClientConfig } from './client-config.js';
import { GoferClient } from './gofer-client.js';
import { Output } from './output.js';

export class CliContext {
  readonly config: ClientConfig;
  readonly output: Output;
  private made?: GoferClient;

  constructor(command: Command) {
    this.config = resolveClientConfig(command.optsWithGlobals<ClientFlags>());
    this.output = new Output(this.config.output);
  }

  get namespace(): string {
    return this.config.namespace;
  }

  client(): GoferClient {
    this.made ??= new GoferClient({
      address: this.config.address,
      token: this.config.token,
      tls: this.config.tls,
      tlsCa: this.config.tlsCa,
      timeoutMs: this.config.timeoutMs,
    });
    return this.made;
  }

  close(): void {
    this.made?.close();
  }
}
