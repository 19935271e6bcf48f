/**
 * `inject_api_token`: a task that asks for it gets `GOFER_API_TOKEN`, a client token granted
 * only the run's namespace, and `GOFER_CLI_ADDRESS`, so that `gofer` inside the task can call
 * back. The token is made once per run, shared by the run's tasks, masked in their logs, and
 * deleted when the run ends. Tokens of runs that ended while Gofer was down are deleted at the
 * next start (`revokeLeftovers`).
 */
import type { TaskConfig } from '../../sdk/config/pipeline-config.js';
import type { Auth, TokenManager } from '../contracts/auth.js';
import type { Logger } from '../contracts/logger.js';
import type { Run } from '../contracts/model.js';
import type { StateStore } from '../contracts/state-store.js';
import { errorCode } from '../errors.js';
import type { PreparedTask, TaskPreparationStep } from '../runs/task-preparation.js';

/** Metadata key on run tokens: `<namespace>/<pipeline>/<run>`. */
export const RUN_TOKEN_METADATA = 'gofer.run';

export interface RunTokenStepOptions {
  auth: Auth;
  /** The API's `host:port`; resolves once the API listens. */
  apiAddress: () => Promise<string>;
  logger: Logger;
}

export class RunTokenStep implements TaskPreparationStep {
  /** Plain values of this process's run tokens; after a restart a run gets a fresh one. */
  private readonly made = new Map<string, Promise<string>>();

  constructor(private readonly opts: RunTokenStepOptions) {}

  async prepare(run: Run, task: TaskConfig, prepared: PreparedTask): Promise<PreparedTask> {
    if (!task.inject_api_token) return prepared;
    const address = reachableAddress(await this.opts.apiAddress());
    const tokens = this.opts.auth.tokens;
    // Without a token manager (development mode) every call is let through without a token.
    const token = tokens ? await this.tokenFor(tokens, run) : '';
    return {
      ...prepared,
      env: {
        ...prepared.env,
        GOFER_API_TOKEN: token,
        GOFER_CLI_ADDRESS: address,
        GOFER_CLI_NAMESPACE: run.namespace,
      },
      mask: token ? [...prepared.mask, token] : prepared.mask,
    };
  }

  async runEnded(run: Run): Promise<void> {
    const key = runKey(run);
    this.made.delete(key);
    const tokens = this.opts.auth.tokens;
    if (!tokens) return;
    try {
      for (const info of await tokens.list()) {
        if (info.metadata[RUN_TOKEN_METADATA] === key) await deleteQuietly(tokens, info.id);
      }
    } catch (err) {
      this.opts.logger.warn({ err, run: key }, 'could not revoke the run token');
    }
  }

  /** Deletes run tokens whose run is complete or gone, e.g. after a crash mid-run. */
  async revokeLeftovers(store: StateStore): Promise<number> {
    const tokens = this.opts.auth.tokens;
    if (!tokens) return 0;
    let revoked = 0;
    for (const info of await tokens.list()) {
      const key = info.metadata[RUN_TOKEN_METADATA];
      if (key === undefined) continue;
      const [namespace, pipeline, id] = splitRunKey(key);
      const run = await store.getRun(namespace, pipeline, id).catch((err: unknown) => {
        if (errorCode(err) === 'NOT_FOUND') return undefined;
        throw err;
      });
      if (run && run.state !== 'COMPLETE') continue;
      await deleteQuietly(tokens, info.id);
      revoked++;
    }
    if (revoked > 0) this.opts.logger.info({ revoked }, 'revoked tokens of runs that ended');
    return revoked;
  }

  private tokenFor(tokens: TokenManager, run: Run): Promise<string> {
    const key = runKey(run);
    let token = this.made.get(key);
    if (!token) {
      token = tokens
        .create({
          name: `run/${key}`,
          kind: 'client',
          namespaces: [run.namespace],
          metadata: { [RUN_TOKEN_METADATA]: key },
        })
        .then((created) => created.token);
      // A failed create is not remembered, so the next attempt tries again.
      token.catch(() => this.made.delete(key));
      this.made.set(key, token);
    }
    return token;
  }
}

function runKey(run: Run): string {
  return `${run.namespace}/${run.pipeline}/${run.id}`;
}

function splitRunKey(key: string): [string, string, number] {
  const [namespace = '', pipeline = '', id = '0'] = key.split('/');
  return [namespace, pipeline, Number(id)];
}

async function deleteQuietly(tokens: TokenManager, id: string): Promise<void> {
  await tokens.delete(id).catch((err: unknown) => {
    // Someone else deleted it first; that is the outcome wanted.
    if (errorCode(err) !== 'NOT_FOUND') throw err;
  });
}

/** A wildcard bind address is reached through loopback from a task on the host network. */
function reachableAddress(address: string): string {
  return address.replace(/^0\.0\.0\.0:/, '127.0.0.1:').replace(/^\[::\]:/, '[::1]:');
}
