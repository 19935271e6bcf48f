/**
 * Turns what the Docker benchmark measured into its figures, prints them as a small table with
 * the ratios and whether each target is met, and returns them for the JSON line. A missed
 * target is reported, never turned into a failure.
 */
import type { BenchFigures, BenchOptions } from './bench-piece.js';
import type { SideResults } from './docker-bench.js';
import { median, percentile, round } from './percentile.js';

/** Targets from the requirement. */
export const TARGET_DAG_RATIO = 1.15;
export const TARGET_DISPATCH_P50_MS = 20;

export function dockerReport(
  gofer: SideResults,
  raw: SideResults,
  options: BenchOptions,
  load: { before: number; after: number },
): BenchFigures {
  const f = {
    docker_repeat: options.repeat,
    load_avg_1m_before: round(load.before),
    load_avg_1m_after: round(load.after),
    task_concurrency: options.taskConcurrency,
    network_mode: options.networkMode,
    single_gofer_ms: round(median(gofer.single)),
    single_raw_ms: round(median(raw.single)),
    single_ratio: round(median(gofer.single) / median(raw.single), 3),
    dag_gofer_ms: round(median(gofer.dag)),
    dag_raw_ms: round(median(raw.dag)),
    dag_ratio: round(median(gofer.dag) / median(raw.dag), 3),
    child_samples: gofer.delays.dispatch.length,
    child_dispatch_ms_p50: round(percentile(gofer.delays.dispatch, 50)),
    child_dispatch_ms_p99: round(percentile(gofer.delays.dispatch, 99)),
    child_start_ms_p50: round(percentile(gofer.delays.start, 50)),
    raw_child_dispatch_ms_p50: round(percentile(raw.delays.dispatch, 50)),
    raw_child_dispatch_ms_p99: round(percentile(raw.delays.dispatch, 99)),
    raw_child_start_ms_p50: round(percentile(raw.delays.start, 50)),
  };
  const targets = {
    dag_ratio_target: TARGET_DAG_RATIO,
    dag_ratio_target_met: f.dag_ratio <= TARGET_DAG_RATIO,
    child_dispatch_target_ms: TARGET_DISPATCH_P50_MS,
    child_dispatch_target_met: f.child_dispatch_ms_p50 < TARGET_DISPATCH_P50_MS,
  };

  const ms = (v: number) => `${v.toFixed(1)} ms`;
  const rows: Array<[string, string, string, string]> = [
    ['', 'Gofer', 'raw', 'Gofer/raw'],
    [
      'one task, wall (median)',
      ms(f.single_gofer_ms),
      ms(f.single_raw_ms),
      f.single_ratio.toFixed(3),
    ],
    ['20-task DAG, wall (median)', ms(f.dag_gofer_ms), ms(f.dag_raw_ms), f.dag_ratio.toFixed(3)],
    ['exit -> child create, p50', ms(f.child_dispatch_ms_p50), ms(f.raw_child_dispatch_ms_p50), ''],
    ['exit -> child create, p99', ms(f.child_dispatch_ms_p99), ms(f.raw_child_dispatch_ms_p99), ''],
    ['exit -> child start, p50', ms(f.child_start_ms_p50), ms(f.raw_child_start_ms_p50), ''],
  ];
  console.log('');
  for (const row of rows) {
    console.log(
      `  ${row[0].padEnd(28)}${row[1].padStart(11)}${row[2].padStart(11)}${row[3].padStart(11)}`,
    );
  }
  console.log(
    `  (${f.child_samples} child samples per side: the middle tasks and the join of each DAG run)`,
  );
  const verdict = (met: boolean) => (met ? 'met' : 'NOT met');
  console.log(
    `  target dag_ratio <= ${TARGET_DAG_RATIO}: ${f.dag_ratio} (${verdict(targets.dag_ratio_target_met)})`,
  );
  console.log(
    `  target child_dispatch_ms_p50 < ${TARGET_DISPATCH_P50_MS}: ${f.child_dispatch_ms_p50} ` +
      `(${verdict(targets.child_dispatch_target_met)})`,
  );
  console.log(
    `  machine load (1 min average) ${f.load_avg_1m_before} before, ${f.load_avg_1m_after} after; ` +
      'figures from a busy machine are slower on both sides',
  );
  console.log('');
  return { ...f, ...targets };
}
