import type Database from 'better-sqlite3';
import type { Subscription, SubscriptionKey } from '../../kernel/contracts/model.js';
import { StoreError, type SubscriptionPatch } from '../../kernel/contracts/state-store.js';
import type { ExtensionQueries } from './extension-queries.js';
import type { PipelineQueries } from './pipeline-queries.js';

interface SubscriptionRow {
  namespace: string;
  pipeline: string;
  extension: string;
  label: string;
  settings: string;
  state: string;
  status_reason: string;
  anchor_ms: number;
  last_run_ms: number;
  created: number;
  modified: number;
}

const KEY_WHERE =
  'namespace = @namespace AND pipeline = @pipeline AND extension = @extension AND label = @label';

const describe = (k: SubscriptionKey) =>
  `subscription of pipeline "${k.pipeline}" in namespace "${k.namespace}" to extension ` +
  `"${k.extension}" with label "${k.label}"`;

function toSubscription(row: SubscriptionRow): Subscription {
  return {
    namespace: row.namespace,
    pipeline: row.pipeline,
    extension: row.extension,
    label: row.label,
    settings: JSON.parse(row.settings) as Record<string, string>,
    state: row.state as Subscription['state'],
    statusReason: row.status_reason,
    anchorMs: row.anchor_ms,
    lastRunMs: row.last_run_ms,
    created: row.created,
    modified: row.modified,
  };
}

const keyOf = (k: SubscriptionKey): SubscriptionKey => ({
  namespace: k.namespace,
  pipeline: k.pipeline,
  extension: k.extension,
  label: k.label,
});

/** Subscription rows. Synchronous; the caller decides the transaction. */
export class SubscriptionQueries {
  private readonly selectFiltered;
  private readonly selectByKey;
  private readonly insertRow;
  private readonly updateRow;
  private readonly deleteRow;

  constructor(
    db: Database.Database,
    private readonly pipelines: PipelineQueries,
    private readonly extensions: ExtensionQueries,
  ) {
    // NULL filters match everything, so one statement serves every combination.
    this.selectFiltered = db.prepare<[Record<string, string | null>], SubscriptionRow>(
      `SELECT * FROM subscriptions
       WHERE (@namespace IS NULL OR namespace = @namespace)
         AND (@pipeline IS NULL OR pipeline = @pipeline)
         AND (@extension IS NULL OR extension = @extension)
         AND (@label IS NULL OR label = @label)
       ORDER BY namespace, pipeline, extension, label`,
    );
    this.selectByKey = db.prepare<[SubscriptionKey], SubscriptionRow>(
      `SELECT * FROM subscriptions WHERE ${KEY_WHERE}`,
    );
    this.insertRow = db.prepare<[SubscriptionRow]>(
      `INSERT INTO subscriptions (namespace, pipeline, extension, label, settings, state,
         status_reason, anchor_ms, last_run_ms, created, modified)
       VALUES (@namespace, @pipeline, @extension, @label, @settings, @state, @status_reason,
         @anchor_ms, @last_run_ms, @created, @modified)`,
    );
    this.updateRow = db.prepare<[SubscriptionRow]>(
      `UPDATE subscriptions SET settings = @settings, state = @state,
         status_reason = @status_reason, last_run_ms = @last_run_ms, modified = @modified
       WHERE ${KEY_WHERE}`,
    );
    this.deleteRow = db.prepare<[SubscriptionKey]>(`DELETE FROM subscriptions WHERE ${KEY_WHERE}`);
  }

  list(filter: Partial<SubscriptionKey> = {}): Subscription[] {
    return this.selectFiltered
      .all({
        namespace: filter.namespace ?? null,
        pipeline: filter.pipeline ?? null,
        extension: filter.extension ?? null,
        label: filter.label ?? null,
      })
      .map(toSubscription);
  }

  get(key: SubscriptionKey): Subscription {
    const row = this.selectByKey.get(keyOf(key));
    if (!row) throw new StoreError('NOT_FOUND', `${describe(key)} not found`);
    return toSubscription(row);
  }

  create(sub: Omit<Subscription, 'created' | 'modified'>): Subscription {
    this.pipelines.get(sub.namespace, sub.pipeline);
    this.extensions.get(sub.extension);
    if (this.selectByKey.get(keyOf(sub))) {
      throw new StoreError(
        'ALREADY_EXISTS',
        `${describe(sub)} already exists; unsubscribe first or choose another label`,
      );
    }
    const now = Date.now();
    this.insertRow.run({
      ...keyOf(sub),
      settings: JSON.stringify(sub.settings),
      state: sub.state,
      status_reason: sub.statusReason,
      anchor_ms: sub.anchorMs,
      last_run_ms: sub.lastRunMs,
      created: now,
      modified: now,
    });
    return this.get(sub);
  }

  update(key: SubscriptionKey, patch: SubscriptionPatch): Subscription {
    const current = this.get(key);
    this.updateRow.run({
      ...keyOf(key),
      settings: JSON.stringify(patch.settings ?? current.settings),
      state: patch.state ?? current.state,
      status_reason: patch.statusReason ?? current.statusReason,
      anchor_ms: current.anchorMs,
      last_run_ms: patch.lastRunMs ?? current.lastRunMs,
      created: current.created,
      modified: Date.now(),
    });
    return this.get(key);
  }

  delete(key: SubscriptionKey): void {
    if (this.deleteRow.run(keyOf(key)).changes === 0) {
      throw new StoreError('NOT_FOUND', `${describe(key)} not found`);
    }
  }
}
