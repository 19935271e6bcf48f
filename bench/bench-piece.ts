/**
 * What a benchmark piece is: a module in bench/ exporting one async function that measures
 * something and returns its figures. The runner (run-benchmarks.ts) calls every piece that exists
 * and merges their figures into one object, so keys must be unique across pieces; prefix them
 * with the piece's subject (`object_store_put_ms_p50`) unless the key is one the requirements
 * name.
 */

/** A figure is a number (a time in ms, a ratio, a count), a setting, or whether a target is met. */
export type BenchFigure = number | string | boolean;

export type BenchFigures = Record<string, BenchFigure>;

/** Settings from the command line; a piece uses the ones that apply to it. */
export interface BenchOptions {
  /** Measured repetitions of each case (`--repeat`). */
  repeat: number;
  /** The task concurrency cap for pipelines and their raw counterparts (`--concurrency`). */
  taskConcurrency: number;
  /** Container network mode (`--network`). */
  networkMode: 'host' | 'none';
}

export type BenchPiece = (options: BenchOptions) => Promise<BenchFigures>;
