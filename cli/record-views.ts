/** The tables each kind of record is shown in. */
import type {
  GoferEvent,
  Namespace,
  Pipeline,
  PipelineConfigVersion,
  Run,
  TaskRun,
} from '../kernel/contracts/model.js';
import { type Column, humanDuration, humanTime, renderRecord, renderTable } from './output.js';

const runStatus = (r: { state: string; status: string }) =>
  r.state === 'COMPLETE' ? r.status : r.state;

export const namespaceColumns: Column<Namespace>[] = [
  ['ID', (n) => n.id],
  ['NAME', (n) => n.name],
  ['DESCRIPTION', (n) => n.description],
  ['CREATED', (n) => humanTime(n.created)],
];

export const pipelineColumns: Column<Pipeline>[] = [
  ['ID', (p) => p.id],
  ['STATE', (p) => p.state],
  ['LIVE VERSION', (p) => p.liveVersion || '-'],
  ['CREATED', (p) => humanTime(p.created)],
  ['MODIFIED', (p) => humanTime(p.modified)],
];

export const configColumns: Column<PipelineConfigVersion>[] = [
  ['VERSION', (v) => v.version],
  ['STATE', (v) => v.state],
  ['TASKS', (v) => v.config.tasks.length],
  ['REGISTERED', (v) => humanTime(v.registered)],
  ['DEPRECATED', (v) => humanTime(v.deprecated)],
];

export const runColumns: Column<Run>[] = [
  ['RUN', (r) => r.id],
  ['STATUS', runStatus],
  ['VERSION', (r) => r.version],
  ['STARTED', (r) => humanTime(r.started)],
  ['DURATION', (r) => humanDuration(r.started, r.ended)],
  ['BY', (r) => r.initiator.name],
  ['REASON', (r) => r.statusReason.description],
];

export const taskRunColumns: Column<TaskRun>[] = [
  ['TASK', (t) => t.id],
  ['STATUS', runStatus],
  ['ATTEMPT', (t) => t.attempt],
  ['EXIT', (t) => t.exitCode ?? '-'],
  ['STARTED', (t) => humanTime(t.started)],
  ['DURATION', (t) => humanDuration(t.started, t.ended)],
  ['REASON', (t) => t.statusReason.description],
];

export const eventColumns: Column<GoferEvent>[] = [
  ['ID', (e) => e.id],
  ['TYPE', (e) => e.type],
  ['NAMESPACE', (e) => e.namespace],
  ['PIPELINE', (e) => e.pipeline],
  ['RUN', (e) => e.run || ''],
  ['TASK', (e) => e.task],
  ['EMITTED', (e) => humanTime(e.emitted)],
];

export function renderRun(run: Run, taskRuns: TaskRun[]): string {
  const vars = Object.entries(run.variables)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const record = renderRecord([
    ['run', `${run.pipeline} #${run.id}`],
    ['status', runStatus(run)],
    ['version', run.version],
    ['started', humanTime(run.started)],
    ['duration', humanDuration(run.started, run.ended)],
    [
      'initiator',
      `${run.initiator.name} (${run.initiator.kind})${run.initiator.reason ? `: ${run.initiator.reason}` : ''}`,
    ],
    ['variables', vars || '-'],
    ['reason', run.statusReason.description || '-'],
    ['retry of', run.retryOf ? `#${run.retryOf}` : '-'],
    // Retention removes these from older runs; say so before `run logs` or `store get` fails.
    ['logs', run.logsExpired ? 'expired' : 'kept'],
    ['objects', run.objectsExpired ? 'expired' : 'kept'],
  ]);
  return `${record}\n${renderTable(taskRuns, taskRunColumns)}`;
}

/** One event on one line, for `event list --follow`. */
export function eventLine(e: GoferEvent): string {
  const where = [e.namespace, e.pipeline, e.run ? `#${e.run}` : '', e.task]
    .filter(Boolean)
    .join('/');
  return `${new Date(e.emitted).toISOString()} ${e.id} ${e.type}${where ? ` ${where}` : ''}`;
}
