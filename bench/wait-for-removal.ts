/**
 * Waits, between measured runs, until the engine holds no container with the given labels, so
 * that removals still in flight from one run do not slow the next.
 */
import type Docker from 'dockerode';

const POLL_MS = 50;

export async function waitForRemoval(
  docker: Docker,
  labels: Record<string, string>,
  timeoutMs = 30_000,
): Promise<void> {
  const filters = { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await docker.listContainers({ all: true, filters });
    if (left.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${left.length} containers labelled ${filters.label.join(', ')} were not removed within ` +
          `${timeoutMs} ms; remove them with \`docker rm -f\` and check the engine`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
