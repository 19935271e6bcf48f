/**
 * How the CLI shows results: tables with humanised times for people, JSON for scripts, and a
 * progress line on stderr only when stderr is a terminal, so piped output stays clean.
 */
import Table from 'cli-table3';
import type { OutputFormat } from './client-config.js';

export type Column<T> = [header: string, cell: (row: T) => string | number];

export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const table = new Table({
    head: columns.map(([header]) => header),
    style: { head: [], border: [] },
  });
  for (const row of rows) table.push(columns.map(([, cell]) => String(cell(row))));
  return table.toString();
}

/** Key/value pairs of one record, as a two-column table. */
export function renderRecord(pairs: readonly [string, string | number][]): string {
  const table = new Table({ style: { head: [], border: [] } });
  for (const [key, value] of pairs) table.push({ [key]: String(value) });
  return table.toString();
}

/** "3s ago", "5m ago", "2h ago", "4d ago"; "-" for 0 (not yet). */
export function humanTime(epochMs: number, now = Date.now()): string {
  if (!epochMs) return '-';
  const seconds = Math.round((now - epochMs) / 1000);
  if (seconds < 0) return 'just now';
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86400)}d ago`;
}

/** "1 byte", "0 bytes", "5 bytes". */
export function byteCount(n: number): string {
  return n === 1 ? '1 byte' : `${n} bytes`;
}

/** "1m5s" between two times; "-" when the first has not happened; runs to `now` when open. */
export function humanDuration(startMs: number, endMs: number, now = Date.now()): string {
  if (!startMs) return '-';
  const total = Math.max(0, Math.round(((endMs || now) - startMs) / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h ? `${h}h${m}m${s}s` : m ? `${m}m${s}s` : `${s}s`;
}

export class Output {
  constructor(
    readonly format: OutputFormat,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
  ) {}

  /** Prints `value` as JSON, or `render()` for people. */
  show(value: unknown, render: () => string): void {
    this.stdout.write(
      this.format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : `${render()}\n`,
    );
  }
}

/** A single rewritten line on stderr while something waits; silent when stderr is not a TTY. */
export class Progress {
  private readonly live: boolean;
  private last = '';

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.live = Boolean(stream.isTTY);
  }

  update(line: string): void {
    if (!this.live || line === this.last) return;
    this.last = line;
    this.stream.write(`\r\x1b[2K${line}`);
  }

  done(): void {
    if (this.live && this.last) this.stream.write('\r\x1b[2K');
    this.last = '';
  }
}
