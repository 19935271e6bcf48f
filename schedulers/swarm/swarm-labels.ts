/**
 * How workload labels are written on services and their containers: every key under `gofer.`,
 * numbers in decimal. The service also keeps the log file path, so that a scheduler created
 * after a restart knows where an adopted task's output belongs.
 */
import type { WorkloadLabels } from '../../kernel/contracts/scheduler.js';

export const LABEL_PREFIX = 'gofer.';
export const INSTALLATION_LABEL = `${LABEL_PREFIX}installation`;
export const LOG_FILE_LABEL = `${LABEL_PREFIX}log-file`;

const TEXT_FIELDS = ['namespace', 'pipeline', 'task', 'extension'] as const;
const NUMBER_FIELDS = ['run', 'attempt'] as const;

export function serviceLabels(labels: WorkloadLabels): Record<string, string> {
  const out: Record<string, string> = {
    [INSTALLATION_LABEL]: labels.installation,
    [`${LABEL_PREFIX}kind`]: labels.kind,
  };
  for (const key of [...TEXT_FIELDS, ...NUMBER_FIELDS]) {
    const value = labels[key];
    if (value !== undefined) out[LABEL_PREFIX + key] = String(value);
  }
  return out;
}

/** Reads labels back; undefined when the service is not a Gofer workload. */
export function workloadLabelsOf(
  labels: Record<string, string> | undefined,
): WorkloadLabels | undefined {
  const installation = labels?.[INSTALLATION_LABEL];
  if (!labels || installation === undefined) return undefined;
  const out: WorkloadLabels = {
    installation,
    kind: labels[`${LABEL_PREFIX}kind`] === 'extension' ? 'extension' : 'task',
  };
  for (const key of TEXT_FIELDS) {
    const value = labels[LABEL_PREFIX + key];
    if (value !== undefined) out[key] = value;
  }
  for (const key of NUMBER_FIELDS) {
    const value = labels[LABEL_PREFIX + key];
    if (value !== undefined && /^\d+$/.test(value)) out[key] = Number(value);
  }
  return out;
}
