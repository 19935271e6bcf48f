import type { Run } from '../contracts/model.js';
import { errorCode, GoferError } from '../errors.js';
import type { ObjectService } from '../objects/object-service.js';
import type { PreparedTask, TaskPreparationStep } from '../runs/task-preparation.js';
import type { TaskConfig } from '../../sdk/config/pipeline-config.js';
import { parseStoreReference, type StoreReference } from '../../sdk/config/store-reference.js';
import type { SecretService } from './secret-service.js';

/**
 * Resolves store references in task variables just before each attempt starts, so a task can
 * read what an earlier task of the same run wrote. Only variables the task config set are
 * resolved; a run variable that overrides one is taken literally, as run variables always are.
 *
 * Resolved values exist only in the environment handed to the scheduler: nothing here writes
 * them to the state store, events or responses. Secret values are added to `mask`.
 */
export class StoreReferenceResolver implements TaskPreparationStep {
  constructor(
    private readonly secrets: SecretService,
    private readonly objects: ObjectService,
  ) {}

  async prepare(run: Run, task: TaskConfig, prepared: PreparedTask): Promise<PreparedTask> {
    const env = { ...prepared.env };
    const mask = [...prepared.mask];
    for (const [name, raw] of Object.entries(task.variables ?? {})) {
      if (env[name] !== raw) continue;
      const parsed = parseStoreReference(raw);
      if (parsed.type === 'literal') continue;
      if (parsed.type === 'malformed') {
        throw new GoferError('FAILED_PRECONDITION', `variable ${name}: ${parsed.problem}`);
      }
      const { value, secret } = await this.resolve(run, name, parsed.reference);
      env[name] = value;
      if (secret) mask.push(value);
    }
    return { ...prepared, env, mask };
  }

  async runEnded(): Promise<void> {}

  /** The secret values a start of the task masked: its secret references, resolved again. */
  async masks(run: Run, task: TaskConfig): Promise<string[]> {
    const masks: string[] = [];
    for (const [name, raw] of Object.entries(task.variables ?? {})) {
      // A run variable of the same name replaced the reference, as in `prepare`.
      if (run.variables[name] !== undefined && run.variables[name] !== raw) continue;
      const parsed = parseStoreReference(raw);
      if (parsed.type !== 'reference' || !parsed.reference.kind.endsWith('_secret')) continue;
      const resolved = await this.resolve(run, name, parsed.reference).catch(() => undefined);
      if (resolved?.secret) masks.push(resolved.value);
    }
    return masks;
  }

  private async resolve(
    run: Run,
    variable: string,
    ref: StoreReference,
  ): Promise<{ value: string; secret: boolean }> {
    const { namespace, pipeline } = run;
    try {
      switch (ref.kind) {
        case 'pipeline_secret':
          return {
            value: (await this.secrets.pipelineValue(namespace, pipeline, ref.key)).toString(),
            secret: true,
          };
        case 'global_secret':
          return {
            value: (await this.secrets.globalValueFor(namespace, ref.key)).toString(),
            secret: true,
          };
        case 'pipeline_object':
          return {
            value: (await this.objects.get({ namespace, pipeline, key: ref.key })).value.toString(),
            secret: false,
          };
        case 'run_object':
          return {
            value: (
              await this.objects.get({ namespace, pipeline, run: run.id, key: ref.key })
            ).value.toString(),
            secret: false,
          };
      }
    } catch (err) {
      const what = ref.kind.replace('_', ' ');
      const cause =
        errorCode(err) === 'NOT_FOUND'
          ? 'does not exist'
          : `cannot be read: ${(err as Error).message}`;
      throw new GoferError(
        'FAILED_PRECONDITION',
        `variable ${variable}: ${what} "${ref.key}" ${cause}`,
      );
    }
  }
}
