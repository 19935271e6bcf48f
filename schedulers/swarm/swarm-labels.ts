/**
 * Swarm services carry the shared workload labels (schedulers/shared/workload-labels.ts) and one
 * more: the log file path, so that a scheduler created after a restart knows where an adopted
 * task's output belongs.
 */
import { LABEL_PREFIX } from '../shared/workload-labels.js';

export const LOG_FILE_LABEL = `${LABEL_PREFIX}log-file`;
