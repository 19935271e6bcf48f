/**
 * Reading the errors dockerode raises: an HTTP status in `statusCode` and the engine's own words
 * in `json.message`, else in `message`.
 */
interface EngineError {
  statusCode?: number;
  json?: { message?: string } | null;
  message?: string;
}

export function engineStatus(err: unknown): number | undefined {
  return (err as EngineError | null)?.statusCode;
}

export function isNotFound(err: unknown): boolean {
  return engineStatus(err) === 404;
}

/** 304 (already stopped/started) and 409 (not running, removal in progress) need no action. */
export function isNoOp(err: unknown): boolean {
  const status = engineStatus(err);
  return status === 304 || status === 409 || status === 404;
}

export function engineMessage(err: unknown): string {
  const e = err as EngineError | null;
  const text = e?.json?.message ?? e?.message ?? String(err);
  return text.replace(/^\(HTTP code \d+\) [a-z ]+- /, '').trim();
}
