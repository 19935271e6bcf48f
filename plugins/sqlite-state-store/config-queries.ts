import type Database from 'better-sqlite3';
import type { PipelineConfigVersion } from '../../kernel/contracts/model.js';
import type { Page } from '../../kernel/contracts/state-store.js';
import type { PipelineConfig } from '../../sdk/config/pipeline-config.js';
import { configNotFound, noLiveConfig } from './entity-errors.js';
import { pageLimits } from './page-limits.js';
import type { PipelineQueries } from './pipeline-queries.js';
import { toConfigVersion, type ConfigRow } from './row-mapping.js';

interface Key {
  namespace: string;
  pipeline: string;
}

/** Versioned pipeline configs. Synchronous; the caller decides the transaction. */
export class ConfigQueries {
  private readonly selectOne;
  private readonly selectLive;
  private readonly selectPage;
  private readonly insertRow;
  private readonly deprecateLive;
  private readonly makeLive;
  private readonly deleteUnused;

  constructor(
    db: Database.Database,
    private readonly pipelines: PipelineQueries,
  ) {
    const key = 'namespace = @namespace AND pipeline = @pipeline';
    this.selectOne = db.prepare<[Key & { version: number }], ConfigRow>(
      `SELECT * FROM pipeline_configs WHERE ${key} AND version = @version`,
    );
    this.selectLive = db.prepare<[Key], ConfigRow>(
      `SELECT * FROM pipeline_configs WHERE ${key} AND state = 'LIVE'`,
    );
    this.selectPage = db.prepare<[Key & { limit: number; offset: number }], ConfigRow>(
      `SELECT * FROM pipeline_configs WHERE ${key}
       ORDER BY version DESC LIMIT @limit OFFSET @offset`,
    );
    this.insertRow = db.prepare<[Key & { version: number; config: string; now: number }]>(
      `INSERT INTO pipeline_configs (namespace, pipeline, version, state, config, registered)
       VALUES (@namespace, @pipeline, @version, 'UNRELEASED', @config, @now)`,
    );
    this.deprecateLive = db.prepare<[Key & { now: number }]>(
      `UPDATE pipeline_configs SET state = 'DEPRECATED', deprecated = @now
       WHERE ${key} AND state = 'LIVE'`,
    );
    this.makeLive = db.prepare<[Key & { version: number }]>(
      `UPDATE pipeline_configs SET state = 'LIVE', deprecated = 0
       WHERE ${key} AND version = @version`,
    );

    // A version survives when it is among the newest `keep`, is live, or any run uses it:
    // a run must always be able to read the config it was started with.
    this.deleteUnused = db.prepare<[Key & { keep: number }], { version: number }>(
      `DELETE FROM pipeline_configs AS c
       WHERE c.namespace = @namespace AND c.pipeline = @pipeline AND c.state <> 'LIVE'
         AND c.version NOT IN (
           SELECT version FROM pipeline_configs WHERE ${key} ORDER BY version DESC LIMIT @keep)
         AND NOT EXISTS (
           SELECT 1 FROM runs AS r
           WHERE r.namespace = c.namespace AND r.pipeline = c.pipeline AND r.version = c.version)
       RETURNING version`,
    );
  }

  /** Stores the next version, creating the pipeline when it is new. */
  register(
    namespace: string,
    config: PipelineConfig,
  ): { version: PipelineConfigVersion; pipelineCreated: boolean } {
    const pipeline = config.id;
    const { created } = this.pipelines.ensure(namespace, pipeline);
    const version = this.pipelines.nextConfigVersion(namespace, pipeline);

    this.insertRow.run({
      namespace,
      pipeline,
      version,
      config: JSON.stringify(config),
      now: Date.now(),
    });
    return { version: this.get(namespace, pipeline, version), pipelineCreated: created };
  }

  list(namespace: string, pipeline: string, page?: Page): PipelineConfigVersion[] {
    this.pipelines.get(namespace, pipeline);
    return this.selectPage.all({ namespace, pipeline, ...pageLimits(page) }).map(toConfigVersion);
  }

  /** Version 0 is the live one. NOT_FOUND names the missing namespace, pipeline or version. */
  get(namespace: string, pipeline: string, version: number): PipelineConfigVersion {
    const row =
      version === 0
        ? this.selectLive.get({ namespace, pipeline })
        : this.selectOne.get({ namespace, pipeline, version });
    if (row) return toConfigVersion(row);

    this.pipelines.get(namespace, pipeline);
    throw version === 0
      ? noLiveConfig(namespace, pipeline)
      : configNotFound(namespace, pipeline, version);
  }

  /** Deploying the live version again changes nothing. */
  deploy(namespace: string, pipeline: string, version: number): PipelineConfigVersion {
    if (version === 0) throw configNotFound(namespace, pipeline, version);
    const target = this.get(namespace, pipeline, version);
    if (target.state === 'LIVE') return target;

    this.deprecateLive.run({ namespace, pipeline, now: Date.now() });
    this.makeLive.run({ namespace, pipeline, version });
    this.pipelines.setLiveVersion(namespace, pipeline, version);
    return this.get(namespace, pipeline, version);
  }

  /** Returns the deleted versions, lowest first. */
  prune(namespace: string, pipeline: string, keep: number): number[] {
    this.pipelines.get(namespace, pipeline);
    const kept = Number.isFinite(keep) && keep > 0 ? Math.floor(keep) : 0;
    return this.deleteUnused
      .all({ namespace, pipeline, keep: kept })
      .map((row) => row.version)
      .sort((a, b) => a - b);
  }
}
