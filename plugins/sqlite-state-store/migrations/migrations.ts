import type { Migration } from './migration.js';
import { initial } from './0001-initial.js';

/** Every migration this code knows, in the order they are applied. */
export const migrations: readonly Migration[] = [initial];
