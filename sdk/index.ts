/**
 * The pipeline SDK: `import { Pipeline, Task } from 'gofer/sdk'`. Only the names listed here
 * are public; everything else under sdk/ may change without notice.
 */
export { Pipeline } from './pipeline.js';
export { Task } from './task.js';
export {
  formatProblems,
  validatePipelineConfig,
  type Problem,
  type ValidationResult,
} from './config/validate-pipeline-config.js';
export { formatDuration, parseDuration } from './config/duration.js';
export type {
  ImageKind,
  PipelineConfig,
  PullPolicy,
  RegistryAuth,
  RequiredParentStatus,
  TaskConfig,
  TaskResources,
} from './config/pipeline-config.js';
