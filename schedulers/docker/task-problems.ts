/**
 * What keeps a task from running on the Docker scheduler, found without contacting the engine:
 * the pipeline is checked at registration, when the engine may not even be running.
 */
import type { ImageKind, PullPolicy } from '../../sdk/config/pipeline-config.js';
import { imageRegistry, registryAllowed } from './image-registry.js';

const PULL_POLICIES: readonly PullPolicy[] = ['if-not-present', 'always', 'never'];

/** One problem per entry, each naming the task; empty when the task can run. */
export function taskProblems(
  task: { id: string; image: string; imageKind: ImageKind; pullPolicy: PullPolicy },
  pullRegistries: readonly string[],
): string[] {
  const problems: string[] = [];
  if (task.imageKind !== 'container') {
    problems.push(
      `task "${task.id}": image kind "${task.imageKind}" cannot run on the docker scheduler, ` +
        `which runs only "container" images; use a scheduler that runs "${task.imageKind}"`,
    );
  }
  if (!task.image || !task.image.trim()) {
    problems.push(
      `task "${task.id}": image is empty; name a container image such as "local/app:1"`,
    );
  }
  if (!PULL_POLICIES.includes(task.pullPolicy)) {
    problems.push(
      `task "${task.id}": pull policy "${task.pullPolicy}" is unknown; use one of ` +
        PULL_POLICIES.join(', '),
    );
  }
  if (task.pullPolicy === 'always' && task.image.trim()) {
    const registry = imageRegistry(task.image);
    if (!registryAllowed(registry, pullRegistries)) {
      problems.push(
        `task "${task.id}": image ${task.image} must be pulled from ${registry} (pull policy ` +
          `"always"), which scheduler.docker.pull_registries does not allow; add "${registry}" there`,
      );
    }
  }
  return problems;
}
