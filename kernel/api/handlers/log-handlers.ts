import type {
  LogChunk,
  RunLogsRequest__Output as RunLogsReq,
  TaskRunLogsRequest__Output as TaskLogsReq,
} from '../../../proto/generated/gofer/v1/index.js';
import { enumToWire } from '../../../proto/wire-enum.js';
import type { KernelServices, LogChunk as KernelChunk } from '../kernel-services.js';
import { type Handler, stream } from '../call-guard.js';
import { requirePositive, requireText } from '../request-fields.js';

async function* toWire(chunks: AsyncIterable<KernelChunk>): AsyncIterable<LogChunk> {
  for await (const chunk of chunks) {
    yield { task: chunk.task, stream: enumToWire('LOG_STREAM', chunk.stream), data: chunk.data };
  }
}

export function logHandlers(kernel: KernelServices): Record<string, Handler> {
  return {
    TaskRunLogs: stream((req: TaskLogsReq, ctx) => {
      const pipeline = requireText(req.pipeline, 'pipeline');
      const run = requirePositive(req.run, 'run');
      const task = requireText(req.id, 'id');
      const opts = { follow: req.follow, signal: ctx.signal };
      return toWire(kernel.logs.taskLogs(req.namespace, pipeline, run, task, opts));
    }),

    RunLogs: stream((req: RunLogsReq, ctx) => {
      const pipeline = requireText(req.pipeline, 'pipeline');
      const run = requirePositive(req.run, 'run');
      const opts = { follow: req.follow, signal: ctx.signal };
      return toWire(kernel.logs.runLogs(req.namespace, pipeline, run, opts));
    }),
  };
}
