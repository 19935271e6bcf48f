import type {
  CancelAllRunsRequest__Output as CancelAllReq,
  CancelRunRequest__Output as CancelReq,
  CancelTaskRunRequest__Output as CancelTaskReq,
  GetRunRequest__Output as GetReq,
  GetTaskRunRequest__Output as GetTaskReq,
  ListRunsRequest__Output as ListReq,
  ListTaskRunsRequest__Output as ListTasksReq,
  RetryRunRequest__Output as RetryReq,
  StartRunRequest__Output as StartReq,
} from '../../../proto/generated/gofer/v1/index.js';
import { runToWire, taskRunToWire } from '../../../proto/model-wire.js';
import type { Principal } from '../../contracts/auth.js';
import type { Initiator } from '../../contracts/model.js';
import type { KernelServices } from '../kernel-services.js';
import { type Handler, unary } from '../call-guard.js';
import { page, requirePositive, requireText, variables } from '../request-fields.js';

/** The initiator is whoever the token says the caller is; a request cannot name someone else. */
export function initiatorOf(principal: Principal, reason: string): Initiator {
  return {
    kind: principal.kind === 'extension' ? 'EXTENSION' : 'HUMAN',
    name: principal.name,
    reason,
  };
}

export function runHandlers(kernel: KernelServices): Record<string, Handler> {
  const runs = kernel.runs;
  const pipeline = (req: { pipeline: string }) => requireText(req.pipeline, 'pipeline');

  return {
    Start: unary(async (req: StartReq, ctx) => {
      const run = await runs.start({
        namespace: req.namespace,
        pipeline: pipeline(req),
        variables: variables(req.variables),
        initiator: initiatorOf(ctx.principal, req.reason),
      });
      return { run: runToWire(run) };
    }),

    Get: unary(async (req: GetReq) => ({
      run: runToWire(await runs.get(req.namespace, pipeline(req), requirePositive(req.id, 'id'))),
    })),

    List: unary(async (req: ListReq) => ({
      runs: (await runs.list(req.namespace, pipeline(req), page(req))).map(runToWire),
    })),

    Cancel: unary(async (req: CancelReq) => {
      const id = requirePositive(req.id, 'id');
      return { run: runToWire(await runs.cancel(req.namespace, pipeline(req), id, req.reason)) };
    }),

    CancelAll: unary(async (req: CancelAllReq) => ({
      run_ids: await runs.cancelAll(req.namespace, pipeline(req), req.reason),
    })),

    Retry: unary(async (req: RetryReq, ctx) => {
      const id = requirePositive(req.id, 'id');
      const initiator = initiatorOf(ctx.principal, req.reason);
      return { run: runToWire(await runs.retry(req.namespace, pipeline(req), id, initiator)) };
    }),

    ListTaskRuns: unary(async (req: ListTasksReq) => {
      const run = requirePositive(req.run, 'run');
      const taskRuns = await runs.listTaskRuns(req.namespace, pipeline(req), run);
      return { task_runs: taskRuns.map(taskRunToWire) };
    }),

    GetTaskRun: unary(async (req: GetTaskReq) => {
      const run = requirePositive(req.run, 'run');
      const task = requireText(req.id, 'id');
      return {
        task_run: taskRunToWire(await runs.getTaskRun(req.namespace, pipeline(req), run, task)),
      };
    }),

    CancelTaskRun: unary(async (req: CancelTaskReq) => {
      const run = requirePositive(req.run, 'run');
      const task = requireText(req.id, 'id');
      const taskRun = await runs.cancelTaskRun(req.namespace, pipeline(req), run, task, req.reason);
      return { task_run: taskRunToWire(taskRun) };
    }),
  };
}
