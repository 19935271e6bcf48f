/**
 * Which registry an image reference names, by Docker's rules: the first path component is a
 * registry when it holds a `.` or a `:` or is `localhost`; any other reference is on Docker Hub.
 */
export const DOCKER_HUB = 'docker.io';

export function imageRegistry(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return DOCKER_HUB;
  const first = image.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') {
    return first === 'index.docker.io' || first === 'registry-1.docker.io' ? DOCKER_HUB : first;
  }
  return DOCKER_HUB;
}

/**
 * Whether `registry` is in `allowed`. An entry without a port allows that host on any port, so
 * the default `127.0.0.1` covers a test registry on `127.0.0.1:5000`.
 */
export function registryAllowed(registry: string, allowed: readonly string[]): boolean {
  const host = registry.startsWith('[')
    ? registry.slice(0, registry.indexOf(']') + 1)
    : registry.split(':')[0];
  return allowed.some((entry) => entry === registry || entry === host);
}
