/**
 * How the container schedulers (docker, swarm) write workload labels on what they create.
 * Every key sits under `gofer.`; numbers are written in decimal and read back as numbers,
 * absent fields are not written at all.
 */
import type { WorkloadLabels } from '../../kernel/contracts/scheduler.js';

export const LABEL_PREFIX = 'gofer.';
export const INSTALLATION_LABEL = `${LABEL_PREFIX}installation`;

const TEXT_FIELDS = ['namespace', 'pipeline', 'task', 'extension'] as const;
const NUMBER_FIELDS = ['run', 'attempt'] as const;

export function encodeWorkloadLabels(labels: WorkloadLabels): Record<string, string> {
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

/** Reads labels back; undefined when the labels are not a Gofer workload's. */
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
