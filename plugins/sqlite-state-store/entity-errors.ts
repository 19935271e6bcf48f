import { StoreError } from '../../kernel/contracts/state-store.js';

/*
 * The store's error messages, in one place so that every method names an entity the same way:
 * the innermost missing thing, with its parents, e.g.
 * `run 7 of pipeline "demo" in namespace "default" not found`.
 */

const pipelineName = (ns: string, pipeline: string) =>
  `pipeline "${pipeline}" in namespace "${ns}"`;

export const namespaceNotFound = (ns: string) =>
  new StoreError(
    'NOT_FOUND',
    `namespace "${ns}" not found`,
    `create it with \`gofer namespace create ${ns}\`, or list them with \`gofer namespace list\``,
  );

export const namespaceExists = (ns: string) =>
  new StoreError('ALREADY_EXISTS', `namespace "${ns}" already exists; choose another id`);

export const pipelineNotFound = (ns: string, pipeline: string) =>
  new StoreError(
    'NOT_FOUND',
    `${pipelineName(ns, pipeline)} not found`,
    `list them with \`gofer pipeline list --namespace ${ns}\``,
  );

export const configNotFound = (ns: string, pipeline: string, version: number) =>
  new StoreError(
    'NOT_FOUND',
    `config version ${version} of ${pipelineName(ns, pipeline)} not found`,
    `list them with \`gofer pipeline config list ${pipeline}\``,
  );

export const noLiveConfig = (ns: string, pipeline: string) =>
  new StoreError(
    'NOT_FOUND',
    `${pipelineName(ns, pipeline)} has no live config version`,
    `deploy a registered version with \`gofer pipeline deploy ${pipeline} <version>\``,
  );

export const runNotFound = (ns: string, pipeline: string, run: number) =>
  new StoreError(
    'NOT_FOUND',
    `run ${run} of ${pipelineName(ns, pipeline)} not found`,
    `list them with \`gofer run list ${pipeline}\``,
  );

export const taskRunNotFound = (ns: string, pipeline: string, run: number, task: string) =>
  new StoreError(
    'NOT_FOUND',
    `task run "${task}" of run ${run} of ${pipelineName(ns, pipeline)} not found`,
    `list them with \`gofer taskrun list ${pipeline} ${run}\``,
  );

export const duplicateTaskIds = (ns: string, pipeline: string, ids: string[]) =>
  new StoreError(
    'FAILED_PRECONDITION',
    `a run of ${pipelineName(ns, pipeline)} lists task ids more than once: ` +
      `${ids.map((id) => `"${id}"`).join(', ')}; each task id must be unique in a config`,
  );

export const eventNotFound = (id: number) =>
  new StoreError('NOT_FOUND', `event ${id} not found`, 'list them with `gofer event list`');
