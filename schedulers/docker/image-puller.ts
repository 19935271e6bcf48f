/**
 * Makes sure a task's image is present, as its pull policy says, and never contacts a registry
 * that configuration does not allow. A pull is one request to the engine, aborted when it runs
 * past the pull timeout; failures that the engine reports inside a successful response (as
 * `{error}` objects in the progress stream) are failures too.
 */
import type Docker from 'dockerode';
import type { ImageInspectInfo } from 'dockerode';
import { SchedulerError } from '../../kernel/contracts/scheduler.js';
import type { PullPolicy, RegistryAuth } from '../../sdk/config/pipeline-config.js';
import { formatDuration } from '../../sdk/config/duration.js';
import { imageRegistry, registryAllowed } from './image-registry.js';
import { engineMessage, isNotFound } from './engine-errors.js';

export interface ImageRequest {
  image: string;
  pullPolicy: PullPolicy;
  registryAuth?: RegistryAuth;
  /** Aborting it abandons a pull in progress. */
  signal?: AbortSignal;
}

/** How long an image found on the engine is trusted without asking again. */
const PRESENT_TTL_MS = 5000;

export class ImagePuller {
  /** Images recently found present, so a burst of tasks asks the engine once. */
  private readonly present = new Map<string, { info: ImageInspectInfo; at: number }>();

  constructor(
    private readonly docker: Docker,
    private readonly pullRegistries: readonly string[],
    private readonly pullTimeoutMs: number,
  ) {}

  /** Returns the image's inspect data, pulling first when the policy asks for it. */
  async ensure(req: ImageRequest): Promise<ImageInspectInfo> {
    if (req.pullPolicy !== 'always') {
      const cached = this.present.get(req.image);
      if (cached && Date.now() - cached.at < PRESENT_TTL_MS) return cached.info;
      const present = await this.inspect(req.image);
      if (present) {
        this.present.set(req.image, { info: present, at: Date.now() });
        return present;
      }
      if (req.pullPolicy === 'never') {
        throw new SchedulerError(
          'IMAGE_NOT_FOUND',
          `image ${req.image} is not present on the engine and its pull policy "never" forbids ` +
            `pulling it; build or load it first, or use pull_policy "if-not-present"`,
        );
      }
    }

    this.checkRegistry(req.image);
    await this.pull(req);
    const pulled = await this.inspect(req.image);
    if (!pulled) {
      throw new SchedulerError(
        'IMAGE_PULL_FAILED',
        `image ${req.image} was pulled but the engine does not list it; check the reference`,
      );
    }
    return pulled;
  }

  /** Drops what is known of an image, e.g. after the engine said it no longer has it. */
  forget(image: string): void {
    this.present.delete(image);
  }

  /** Refuses, without any network traffic, an image whose registry is not allowed. */
  checkRegistry(image: string): void {
    const registry = imageRegistry(image);
    if (registryAllowed(registry, this.pullRegistries)) return;
    throw new SchedulerError(
      'IMAGE_PULL_REFUSED',
      `image ${image} would be pulled from registry ${registry}, which is not in ` +
        `scheduler.docker.pull_registries (${this.pullRegistries.join(', ')}); add "${registry}" ` +
        `there to allow it, or make the image present locally`,
    );
  }

  private async inspect(image: string): Promise<ImageInspectInfo | undefined> {
    try {
      return await this.docker.getImage(image).inspect();
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw new SchedulerError(
        'ENGINE_UNAVAILABLE',
        `cannot inspect image ${image}: ${engineMessage(err)}`,
      );
    }
  }

  private async pull(req: ImageRequest): Promise<void> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.pullTimeoutMs);
    const onCancel = () => abort.abort();
    req.signal?.addEventListener('abort', onCancel, { once: true });
    try {
      const opts: Record<string, unknown> = { abortSignal: abort.signal };
      if (req.registryAuth) {
        opts.authconfig = {
          username: req.registryAuth.username,
          password: req.registryAuth.password,
          serveraddress: imageRegistry(req.image),
        };
      }
      const stream = (await this.docker.pull(req.image, opts)) as NodeJS.ReadableStream;
      const error = await progressError(stream);
      if (error)
        throw new SchedulerError('IMAGE_PULL_FAILED', `cannot pull ${req.image}: ${error}`);
    } catch (err) {
      if (req.signal?.aborted) {
        throw new SchedulerError(
          'START_FAILED',
          `pulling ${req.image} was abandoned: the task was cancelled`,
        );
      }
      if (abort.signal.aborted) {
        throw new SchedulerError(
          'IMAGE_PULL_TIMEOUT',
          `pulling ${req.image} did not finish within ${formatDuration(this.pullTimeoutMs)} ` +
            `(scheduler.docker.pull_timeout); check that the registry answers, or raise the timeout`,
        );
      }
      if (err instanceof SchedulerError) throw err;
      throw new SchedulerError(
        'IMAGE_PULL_FAILED',
        `cannot pull ${req.image}: ${engineMessage(err)}`,
      );
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onCancel);
    }
  }
}

/** Reads a pull's progress stream to its end; returns the first error it reports, if any. */
function progressError(stream: NodeJS.ReadableStream): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let pending = '';
    let error: string | undefined;
    const scan = (text: string) => {
      for (const line of text.split('\n')) {
        if (!line.trim() || error) continue;
        try {
          const obj = JSON.parse(line) as { error?: string; errorDetail?: { message?: string } };
          if (obj.error) error = obj.errorDetail?.message ?? obj.error;
        } catch {
          // A progress line that is not JSON carries no error.
        }
      }
    };
    stream.on('data', (chunk: Buffer) => {
      const text = pending + chunk.toString('utf8');
      const cut = text.lastIndexOf('\n');
      scan(text.slice(0, cut + 1));
      pending = text.slice(cut + 1);
    });
    stream.on('end', () => {
      scan(pending);
      resolve(error);
    });
    stream.on('error', reject);
  });
}
