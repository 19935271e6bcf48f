/**
 * What the SQLite state store tests share: a scratch directory per test file, fresh store
 * files in it, and small builders of pipelines and runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import Database from 'better-sqlite3';
import type { Logger } from '../../../kernel/contracts/logger.js';
import type { PluginContext } from '../../../kernel/contracts/plugin.js';
import type { StateStore } from '../../../kernel/contracts/state-store.js';
import { SqliteStateStore } from '../../../plugins/sqlite-state-store/sqlite-state-store.js';
import type { PipelineConfig } from '../../../sdk/config/pipeline-config.js';

let root: string;
let counter = 0;

/** Makes the scratch directory before the file's tests and removes it after them. */
export function useScratchDirectory(): void {
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'gofer-sqlite-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));
}

export const scratchRoot = () => root;
export const freshPath = () => join(root, `store-${++counter}`, 'gofer.db');
export const open = (path = freshPath()) => SqliteStateStore.open({ path, busyTimeoutMs: 10_000 });

export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};

export function context(dataDir: string, config: Record<string, unknown>): PluginContext {
  return {
    kernelVersion: '0.1.0',
    config,
    logger: silentLogger,
    dataDir,
    devMode: false,
    contracts: {},
  };
}

export function config(id: string, tasks = ['build', 'test']): PipelineConfig {
  return { id, tasks: tasks.map((task) => ({ id: task, image: 'local/gofer-test:1' })) };
}

// A pipeline with one deployed version, ready for runs.
export async function livePipeline(store: StateStore, id: string, tasks?: string[]): Promise<void> {
  const { version } = await store.registerConfig('default', config(id, tasks));
  await store.deployConfig('default', id, version.version);
}

export const human = { kind: 'HUMAN' as const, name: 'ada', reason: 'test' };

export function newRun(pipeline: string, taskIds = ['build', 'test'], version = 1) {
  return { namespace: 'default', pipeline, version, initiator: human, variables: {}, taskIds };
}

// Counts rows through a connection of its own, so the check does not trust the store's reads.
export function countRows(path: string, table: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms}ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
