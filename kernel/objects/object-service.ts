import { CoalescingSweeper } from '../runs/coalescing-sweeper.js';
import type { ObjectService as ObjectApi } from '../api/kernel-services.js';
import type { Run } from '../contracts/model.js';
import type { ObjectInfo, ObjectKey, ObjectScope, ObjectStore } from '../contracts/object-store.js';
import type { StateStore } from '../contracts/state-store.js';
import { failedPrecondition, invalidArgument } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../contracts/logger.js';
import type { PreparedTask, TaskPreparationStep } from '../runs/task-preparation.js';
import { STORE_KEY_PATTERN } from '../../sdk/config/store-reference.js';

export interface ObjectServiceOptions {
  store: StateStore;
  objects: ObjectStore;
  events: EventBus;
  logger: Logger;
  /** `object_store.pipeline_object_limit`. */
  pipelineObjectLimit: number;
  /** `object_store.run_object_expiry`: a run's objects go once it has this many newer runs. */
  runObjectExpiry: number;
}

/**
 * Pipeline and run objects over the object store plugin. It checks that the pipeline or run
 * exists, holds pipeline objects to their limit (the plugin evicts inside its own write, so
 * concurrent puts cannot overshoot), and, as a preparation step, deletes the objects of runs
 * that have grown old once each run ends.
 */
export class ObjectService implements ObjectApi, TaskPreparationStep {
  constructor(private readonly opts: ObjectServiceOptions) {}

  async list(scope: ObjectScope): Promise<ObjectInfo[]> {
    refuseExpired(await this.checkScope(scope));
    return this.opts.objects.list(scope);
  }

  async get(key: ObjectKey): Promise<{ info: ObjectInfo; value: Buffer }> {
    refuseExpired(await this.checkScope(key));
    return this.opts.objects.get(key);
  }

  async put(
    key: ObjectKey,
    value: Buffer,
    opts: { force: boolean },
  ): Promise<{ info: ObjectInfo; evicted: string[] }> {
    checkKey(key.key);
    refuseExpired(await this.checkScope(key), 'put the object on a newer run, or ');
    const limit = key.run === undefined ? this.opts.pipelineObjectLimit : undefined;
    const result = await this.opts.objects.put(key, value, { force: opts.force, limit });
    for (const evicted of result.evicted) {
      await this.opts.events.emit({
        type: 'PIPELINE_OBJECT_EVICTED',
        namespace: key.namespace,
        pipeline: key.pipeline,
        details: { key: evicted, limit, by: key.key },
      });
    }
    return result;
  }

  async delete(key: ObjectKey): Promise<void> {
    await this.checkScope(key);
    await this.opts.objects.delete(key);
  }

  /** Deletes every object of a namespace or pipeline; for the registries' delete. */
  async deleteScope(prefix: { namespace: string; pipeline?: string }): Promise<void> {
    await this.opts.objects.deleteAll(prefix);
  }

  prepare(_run: Run, _task: unknown, prepared: PreparedTask): Promise<PreparedTask> {
    return Promise.resolve(prepared);
  }

  /**
   * Expires the objects of the pipeline's runs that now have `runObjectExpiry` newer runs; the
   * sweep starts without holding up the run's completion.
   */
  async runEnded(run: Run): Promise<void> {
    void this.sweeps.request(`${run.namespace}/${run.pipeline}`, () => this.expireObjects(run));
  }

  /** Resolves once no expiry sweep is running, for a shutdown. */
  idle(): Promise<void> {
    return this.sweeps.idle();
  }

  private readonly sweeps = new CoalescingSweeper();

  private async expireObjects(run: Run): Promise<void> {
    const { store, objects, runObjectExpiry, logger } = this.opts;
    try {
      const old = await store.listRunsPastRetention(
        run.namespace,
        run.pipeline,
        runObjectExpiry,
        'objects',
      );
      for (const past of old) {
        await objects.deleteAll({
          namespace: past.namespace,
          pipeline: past.pipeline,
          run: past.id,
        });
        await store.updateRun(past.namespace, past.pipeline, past.id, { objectsExpired: true });
      }
    } catch (err) {
      logger.warn({ err, pipeline: run.pipeline }, 'run object expiry failed');
    }
  }

  private async checkScope(scope: ObjectScope): Promise<Run | undefined> {
    if (scope.run === undefined) {
      await this.opts.store.getPipeline(scope.namespace, scope.pipeline);
      return undefined;
    }
    return this.opts.store.getRun(scope.namespace, scope.pipeline, scope.run);
  }
}

/** A run whose objects have expired answers every object call by saying so. */
function refuseExpired(run: Run | undefined, instead = ''): void {
  if (!run?.objectsExpired) return;
  throw failedPrecondition(
    `the objects of run ${run.id} of ${run.namespace}/${run.pipeline} have expired: a run keeps ` +
      'them until it has object_store.run_object_expiry newer runs',
    `${instead}raise object_store.run_object_expiry to keep them longer`,
  );
}

function checkKey(key: string): void {
  if (!STORE_KEY_PATTERN.test(key)) {
    throw invalidArgument(
      `object key ${JSON.stringify(key)} must be 1 to 128 letters, digits, "_", "." or "-"`,
      'rename the key, e.g. build_output or report.json',
    );
  }
}
