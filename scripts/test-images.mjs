// Builds the images the integration tests run (from files on this machine, never a registry).
// Run after `npm run build`; the test runner calls it before the tests.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const module = join(root, 'dist', 'test', 'support', 'test-images.js');
if (!existsSync(module)) {
  console.error('test-images: dist/ is missing the test support code; run `npm run build` first');
  process.exit(1);
}
const { ensureTestImages } = await import(pathToFileURL(module).href);
await ensureTestImages();
