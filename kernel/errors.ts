/**
 * The kernel's error catalogue. Every failure a user can meet has a stable code, a message that
 * names the offending value, and where one exists a fix: the command, flag or setting to change.
 * Codes are compared by value, never by `instanceof`, because errors cross process boundaries.
 */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'PERMISSION_DENIED'
  | 'UNAUTHENTICATED'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED'
  | 'INTERNAL';

export class GoferError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** What the user can do about it, e.g. "run `gofer pipeline deploy demo 2`". */
    readonly fix?: string,
  ) {
    super(message);
    this.name = 'GoferError';
  }
}

export const invalidArgument = (message: string, fix?: string) =>
  new GoferError('INVALID_ARGUMENT', message, fix);
export const notFound = (message: string, fix?: string) =>
  new GoferError('NOT_FOUND', message, fix);
export const alreadyExists = (message: string, fix?: string) =>
  new GoferError('ALREADY_EXISTS', message, fix);
export const failedPrecondition = (message: string, fix?: string) =>
  new GoferError('FAILED_PRECONDITION', message, fix);

/** Reads the code of any error the kernel or a plugin raised; `INTERNAL` when it has none. */
export function errorCode(err: unknown): ErrorCode {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'INVALID_ARGUMENT':
    case 'NOT_FOUND':
    case 'ALREADY_EXISTS':
    case 'FAILED_PRECONDITION':
    case 'PERMISSION_DENIED':
    case 'UNAUTHENTICATED':
    case 'UNAVAILABLE':
    case 'DEADLINE_EXCEEDED':
      return code;
    default:
      return 'INTERNAL';
  }
}
