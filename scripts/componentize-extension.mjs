// Child of build-extension.mjs: turns one bundled guest module into a component. Runs in its own
// process because componentize-js needs the build-tools preopen and up to 2 GB of memory.
// Usage: node --import ./build-tools-preopen.mjs componentize-extension.mjs <job.json>
import { componentize } from '@bytecodealliance/componentize-js';
import { readFileSync, writeFileSync } from 'node:fs';

const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { component } = await componentize({
  sourcePath: job.sourcePath,
  witPath: job.witPath,
  worldName: job.worldName,
  disableFeatures: job.disableFeatures,
});
writeFileSync(job.outPath, component);
