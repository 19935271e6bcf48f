import { join } from 'node:path';
import { PACKAGE_ROOT } from '../version.js';

/**
 * Folders of the plugins that ship with Gofer. They are loaded through the same manifest path
 * as any installed plugin; listing them here is all that makes them built in.
 */
export function builtinPluginDirs(): string[] {
  const dist = join(PACKAGE_ROOT, 'dist');
  return [
    join(dist, 'schedulers', 'docker'),
    join(dist, 'schedulers', 'inprocess'),
    join(dist, 'schedulers', 'swarm'),
    join(dist, 'schedulers', 'wasi'),
    join(dist, 'plugins', 'sqlite-state-store'),
    join(dist, 'plugins', 'allow-all-auth'),
    join(dist, 'plugins', 'token-auth'),
    join(dist, 'plugins', 'sqlite-object-store'),
    join(dist, 'plugins', 'sqlite-secret-store'),
  ];
}
