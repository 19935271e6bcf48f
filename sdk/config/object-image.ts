/**
 * A wasm task's image may name a pipeline object instead of a file: `object:<key>`. The kernel
 * writes the object's bytes to a file of its own before the attempt starts and hands the
 * scheduler that file, so a scheduler only ever loads files.
 */
import { STORE_KEY_PATTERN } from './store-reference.js';

export const OBJECT_IMAGE_PREFIX = 'object:';

export type ObjectImage =
  { type: 'none' } | { type: 'object'; key: string } | { type: 'malformed'; problem: string };

export function parseObjectImage(image: string): ObjectImage {
  if (!image.startsWith(OBJECT_IMAGE_PREFIX)) return { type: 'none' };
  const key = image.slice(OBJECT_IMAGE_PREFIX.length);
  if (!STORE_KEY_PATTERN.test(key)) {
    return {
      type: 'malformed',
      problem:
        `image ${JSON.stringify(image)} names object key ${JSON.stringify(key)}, which must be ` +
        '1 to 128 letters, digits, "_", "." or "-"',
    };
  }
  return { type: 'object', key };
}
