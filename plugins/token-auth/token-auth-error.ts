/**
 * Failures of the token plugin. The kernel tells errors apart by `code` (the names of its own
 * catalogue) and shows `fix` to the caller, so this class needs no kernel code.
 */
export type TokenAuthErrorCode =
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION';

export class TokenAuthError extends Error {
  constructor(
    readonly code: TokenAuthErrorCode,
    message: string,
    readonly fix?: string,
  ) {
    super(message);
    this.name = 'TokenAuthError';
  }
}
