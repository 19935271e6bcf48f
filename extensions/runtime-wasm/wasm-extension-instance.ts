import { MessageChannel, Worker } from 'node:worker_threads';
import type {
  ExtensionExit,
  ExtensionHost,
  ExtensionInfo,
  ExtensionInstance,
  ExtensionLaunchSpec,
  ExtensionLogLevel,
  ExternalEvent,
  ExternalEventResponse,
  RunFinishedNotice,
  SubscriptionRef,
} from '../../kernel/contracts/extension.js';
import {
  CallChannel,
  State,
  type HostCallFrame,
  type HostReplyFrame,
  type ReadyMessage,
  type ResultFrame,
} from './call-channel.js';
import type { TranspiledComponent } from './component-cache.js';
import { WasmExtensionError } from './wasm-extension-error.js';
import type { WorkerData } from './wasm-extension-worker.js';
import { skipOptimizingGlueInit } from './component-glue-tuning.js';

const WORKER_URL = new URL('./wasm-extension-worker.js', import.meta.url);
const kv = (map: Record<string, string>) => Object.entries(map);

/**
 * One extension instance in its own worker thread. Calls are serialised and each has the
 * launch's deadline; on expiry the worker is terminated, the call rejects naming the extension
 * and the deadline, and `exited` settles. A trap or crash settles `exited` the same way. After
 * `exited` has settled every call rejects at once.
 */
export class WasmExtensionInstance implements ExtensionInstance {
  readonly exited: Promise<ExtensionExit>;
  private settleExit!: (exit: ExtensionExit) => void;
  private exit?: ExtensionExit;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly spec: ExtensionLaunchSpec,
    private readonly worker: Worker,
    private readonly channel: CallChannel,
  ) {
    this.exited = new Promise((resolve) => (this.settleExit = resolve));
    worker.on('message', (message: { type: string; args?: unknown[] }) => {
      if (message.type === 'log') this.log(...(message.args as [string, string]));
    });
    worker.on('error', (err) => this.stop(`the worker failed: ${err.message}`, false));
    worker.on('exit', (code) => this.stop(`the worker exited with code ${code}`, false));
  }

  /** Spawns the worker and waits until the component is instantiated in it. */
  static async start(
    spec: ExtensionLaunchSpec,
    component: TranspiledComponent,
    startTimeoutMs: number,
  ): Promise<WasmExtensionInstance> {
    const buffer = CallChannel.allocate();
    const { port1, port2 } = new MessageChannel();
    const workerData: WorkerData = {
      name: spec.name,
      componentDir: component.dir,
      jsFile: component.jsFile,
      memoryLimitBytes: spec.memoryLimitBytes,
      grants: [...spec.grants],
      buffer,
      port: port2,
    };
    skipOptimizingGlueInit();
    const worker = new Worker(WORKER_URL, { workerData, transferList: [port2] });
    const instance = new WasmExtensionInstance(spec, worker, new CallChannel(buffer, port1));
    await instance.ready(startTimeoutMs);
    worker.unref();
    return instance;
  }

  async init(config: Record<string, string>): Promise<void> {
    await this.call('init', [kv(config)]);
  }

  async info(): Promise<ExtensionInfo> {
    return (await this.call('info', [])) as ExtensionInfo;
  }

  async subscribe(sub: SubscriptionRef, settings: Record<string, string>): Promise<void> {
    await this.call('subscribe', [sub.namespace, sub.pipeline, sub.label, kv(settings)]);
  }

  async unsubscribe(sub: SubscriptionRef): Promise<void> {
    await this.call('unsubscribe', [sub.namespace, sub.pipeline, sub.label]);
  }

  async externalEvent(event: ExternalEvent): Promise<ExternalEventResponse> {
    const body = Buffer.from(event.body).toString('base64');
    return (await this.call('externalEvent', [kv(event.headers), body])) as ExternalEventResponse;
  }

  async tick(now: number): Promise<number> {
    return (await this.call('tick', [Math.max(0, Math.floor(now))])) as number;
  }

  async runFinished(notice: RunFinishedNotice): Promise<void> {
    const { namespace, pipeline, label } = notice.subscription;
    const status = notice.status.toLowerCase();
    await this.call('runFinished', [namespace, pipeline, label, notice.run, status]);
  }

  /** Lets the guest say goodbye, then ends the worker; `exited` settles as requested. */
  async shutdown(): Promise<void> {
    if (this.exit) return;
    try {
      await this.call('shutdown', []);
    } finally {
      this.stop('shut down by the kernel', true);
    }
  }

  private ready(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.stop(`the component did not start within ${timeoutMs} ms`, false);
        reject(this.exitedError('UNAVAILABLE'));
      }, timeoutMs);
      const onMessage = (message: ReadyMessage | { type: 'log' }) => {
        if (message.type === 'log') return;
        clearTimeout(timer);
        this.worker.off('message', onMessage);
        if (message.type === 'ready') return resolve();
        this.stop(`the component could not be instantiated: ${message.message}`, false);
        reject(this.exitedError('FAILED_PRECONDITION'));
      };
      this.worker.on('message', onMessage);
      void this.exited.then(() => {
        clearTimeout(timer);
        reject(this.exitedError('UNAVAILABLE'));
      });
    });
  }

  private call(op: string, args: unknown[]): Promise<unknown> {
    const next = this.queue.then(() => this.exchange(op, args));
    this.queue = next.catch(() => undefined);
    return next;
  }

  // One call: send it, then serve the guest's host calls until its result arrives, all within
  // the deadline. The worker is kept referenced only while a call is in flight.
  private async exchange(op: string, args: unknown[]): Promise<unknown> {
    if (this.exit) throw this.exitedError('UNAVAILABLE');
    const deadline = Date.now() + this.spec.callTimeoutMs;
    this.worker.ref();
    try {
      this.channel.send(State.CALL, { op, args });
      let state: number = State.CALL;
      for (;;) {
        const next = await Promise.race([
          this.channel.changeFrom(state, deadline - Date.now()),
          this.exited.then(() => 'exited' as const),
        ]);
        if (next === 'exited') throw this.exitedError('UNAVAILABLE');
        if (next === 'timed-out') throw this.deadlineExceeded(op);
        state = next;
        if (state === State.HOST_CALL) {
          const reply = await this.serveHost(this.channel.receive() as HostCallFrame);
          if (this.exit) throw this.exitedError('UNAVAILABLE');
          this.channel.send(State.HOST_REPLY, reply);
          state = State.HOST_REPLY;
        } else if (state === State.RESULT) {
          return this.outcome(op, this.channel.receive() as ResultFrame);
        }
      }
    } finally {
      if (!this.exit) this.worker.unref();
    }
  }

  private outcome(op: string, frame: ResultFrame): unknown {
    if ('ok' in frame) return frame.ok;
    if ('refused' in frame) throw this.failure('INVALID_ARGUMENT', frame.refused);
    this.stop(`${op} broke the instance: ${frame.fatal}`, false);
    throw this.exitedError('UNAVAILABLE');
  }

  private async serveHost(frame: HostCallFrame): Promise<HostReplyFrame> {
    const host: ExtensionHost = this.spec.host;
    try {
      switch (frame.fn) {
        case 'log':
          this.log(...(frame.args as [string, string]));
          return { ok: null };
        case 'startRun': {
          const [namespace, pipeline, label, variables, reason] = frame.args as [
            string,
            string,
            string,
            Array<[string, string]>,
            string,
          ];
          const req = { namespace, pipeline, label, reason };
          const { run } = await host.startRun({ ...req, variables: Object.fromEntries(variables) });
          return { ok: run };
        }
        case 'timeZoneOffset':
          return {
            ok: await host.timeZoneOffset(frame.args[0] as string, frame.args[1] as number),
          };
      }
    } catch (err) {
      return { err: err instanceof Error ? err.message : String(err) };
    }
  }

  private log(level: string, message: string) {
    const known = ['debug', 'info', 'warn', 'error'].includes(level);
    this.spec.host.log((known ? level : 'info') as ExtensionLogLevel, message);
  }

  private deadlineExceeded(op: string): WasmExtensionError {
    const limit = this.spec.callTimeoutMs;
    this.stop(`${op} did not return within its deadline of ${limit} ms`, false);
    return this.failure(
      'DEADLINE_EXCEEDED',
      `${op} did not return within its deadline of ${limit} ms; the instance was stopped`,
      'look for a loop in the extension, or raise the call timeout',
    );
  }

  private exitedError(code: WasmExtensionError['code']) {
    const reason = this.exit?.reason ?? `extension ${this.spec.name}: stopped`;
    return new WasmExtensionError(code, reason, 'the instance is gone; launch it again');
  }

  private failure(code: WasmExtensionError['code'], message: string, fix?: string) {
    return new WasmExtensionError(code, `extension ${this.spec.name}: ${message}`, fix);
  }

  // Settles `exited` once, whatever stopped the instance first, and frees the worker.
  private stop(reason: string, requested: boolean) {
    if (this.exit) return;
    this.exit = { reason: `extension ${this.spec.name}: ${reason}`, requested };
    void this.worker.terminate();
    this.settleExit(this.exit);
  }
}
