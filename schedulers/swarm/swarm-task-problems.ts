/**
 * What keeps a task from running on the swarm scheduler, found without contacting the engine.
 * Swarm runs an image that is already on the node it picks, so there is nothing to pull.
 */
import type { ImageKind, PullPolicy } from '../../sdk/config/pipeline-config.js';

export function swarmTaskProblems(task: {
  id: string;
  image: string;
  imageKind: ImageKind;
  pullPolicy: PullPolicy;
}): string[] {
  const problems: string[] = [];
  if (task.imageKind !== 'container') {
    problems.push(
      `task "${task.id}": image kind "${task.imageKind}" cannot run on the swarm scheduler, ` +
        `which runs only "container" images; use a scheduler that runs "${task.imageKind}"`,
    );
  }
  if (!task.image || !task.image.trim()) {
    problems.push(
      `task "${task.id}": image is empty; name a container image such as "local/app:1"`,
    );
  }
  if (task.pullPolicy === 'always') {
    problems.push(
      `task "${task.id}": pull policy "always" cannot be kept on the swarm scheduler, which runs ` +
        'the copy of the image each node already holds; set pull_policy to "if-not-present" or "never"',
    );
  }
  return problems;
}
