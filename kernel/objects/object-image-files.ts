/**
 * The preparation step behind `object:<key>` images of wasm tasks: just before the attempt
 * starts, the pipeline object is read and written to `<dir>/<sha256>.wasm`, and the scheduler is
 * handed that path. Files are named by content, so a component run a thousand times is written
 * once, a changed object gets a new file, and a reader never sees a half-written one (each is
 * written beside its final name and renamed into place).
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Run } from '../contracts/model.js';
import { GoferError, errorCode } from '../errors.js';
import type { PreparedTask, TaskPreparationStep } from '../runs/task-preparation.js';
import type { TaskConfig } from '../../sdk/config/pipeline-config.js';
import { parseObjectImage } from '../../sdk/config/object-image.js';
import type { ObjectService } from './object-service.js';

export class ObjectImageFiles implements TaskPreparationStep {
  constructor(
    private readonly objects: ObjectService,
    /** Where the files go: `<data_dir>/object-images`. */
    private readonly dir: string,
  ) {}

  async prepare(run: Run, task: TaskConfig, prepared: PreparedTask): Promise<PreparedTask> {
    if (task.image_kind !== 'wasm') return prepared;
    const image = parseObjectImage(task.image);
    if (image.type === 'none') return prepared;
    if (image.type === 'malformed') throw new GoferError('FAILED_PRECONDITION', image.problem);

    const { namespace, pipeline } = run;
    let value: Buffer;
    try {
      ({ value } = await this.objects.get({ namespace, pipeline, key: image.key }));
    } catch (err) {
      if (errorCode(err) !== 'NOT_FOUND') throw err;
      throw new GoferError(
        'FAILED_PRECONDITION',
        `task ${task.id}: image ${task.image} names pipeline object "${image.key}", which ` +
          `${namespace}/${pipeline} does not have; put the component first with ` +
          `\`gofer pipeline store put ${pipeline} ${image.key}=@task.wasm\``,
      );
    }
    return { ...prepared, image: await this.fileFor(value) };
  }

  async runEnded(): Promise<void> {}

  // TODO(objects): files of components no longer stored are never removed - nothing yet tracks
  // which attempts may still be loading one, and a file is only read, never trusted as current.
  private async fileFor(value: Buffer): Promise<string> {
    const path = join(this.dir, `${createHash('sha256').update(value).digest('hex')}.wasm`);
    const present = await stat(path).catch(() => undefined);
    if (present?.size === value.length) return path;
    await mkdir(this.dir, { recursive: true });
    const partial = `${path}.${randomUUID()}.partial`;
    await writeFile(partial, value);
    await rename(partial, path);
    return path;
  }
}
