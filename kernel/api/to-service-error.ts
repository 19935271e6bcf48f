/**
 * Turns any error the kernel, a plugin or a handler raised into a gRPC status. Errors are told
 * apart by their `code` string, never by class, because they come from plugins that may have
 * their own copy of the error classes. The fix travels twice: in the trailing metadata
 * `gofer-fix`, for clients that show it apart, and at the end of the details, for clients that
 * show only the details.
 */
import * as grpc from '@grpc/grpc-js';

const STATUS_BY_CODE: Readonly<Record<string, grpc.status>> = {
  // kernel/errors.ts, StoreError and AuthError share these names.
  INVALID_ARGUMENT: grpc.status.INVALID_ARGUMENT,
  NOT_FOUND: grpc.status.NOT_FOUND,
  ALREADY_EXISTS: grpc.status.ALREADY_EXISTS,
  FAILED_PRECONDITION: grpc.status.FAILED_PRECONDITION,
  PERMISSION_DENIED: grpc.status.PERMISSION_DENIED,
  UNAUTHENTICATED: grpc.status.UNAUTHENTICATED,
  UNAVAILABLE: grpc.status.UNAVAILABLE,
  DEADLINE_EXCEEDED: grpc.status.DEADLINE_EXCEEDED,
  INTERNAL: grpc.status.INTERNAL,
  // SchedulerError codes, met when a call has to start something on the engine.
  IMAGE_NOT_FOUND: grpc.status.FAILED_PRECONDITION,
  IMAGE_PULL_FAILED: grpc.status.UNAVAILABLE,
  IMAGE_PULL_TIMEOUT: grpc.status.DEADLINE_EXCEEDED,
  IMAGE_PULL_REFUSED: grpc.status.FAILED_PRECONDITION,
  UNSUPPORTED_TASK: grpc.status.FAILED_PRECONDITION,
  ENGINE_UNAVAILABLE: grpc.status.UNAVAILABLE,
  START_FAILED: grpc.status.INTERNAL,
};

/** Trailing metadata keys a client can rely on. */
export const FIX_METADATA = 'gofer-fix';
export const CODE_METADATA = 'gofer-code';

export interface MappedError {
  status: grpc.status;
  /** The error's own code (`IMAGE_PULL_REFUSED`), or INTERNAL when it had none. */
  code: string;
  message: string;
  fix?: string;
}

export function mapError(err: unknown): MappedError {
  const raw = (err as { code?: unknown } | null)?.code;
  const code = typeof raw === 'string' && raw in STATUS_BY_CODE ? raw : 'INTERNAL';
  const message = err instanceof Error ? err.message : String(err);
  const fixValue = (err as { fix?: unknown } | null)?.fix;
  const fix = typeof fixValue === 'string' && fixValue !== '' ? fixValue : undefined;
  return { status: STATUS_BY_CODE[code], code, message, fix };
}

export function toServiceError(err: unknown): Partial<grpc.StatusObject> & Error {
  const mapped = mapError(err);
  const metadata = new grpc.Metadata();
  metadata.set(CODE_METADATA, mapped.code);
  if (mapped.fix) metadata.set(FIX_METADATA, mapped.fix);
  const details = mapped.fix ? `${mapped.message} (fix: ${mapped.fix})` : mapped.message;
  return Object.assign(new Error(details), { code: mapped.status, details, metadata });
}
