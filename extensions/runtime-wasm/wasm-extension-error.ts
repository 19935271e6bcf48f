/**
 * Errors of the wasm runtime. Like the kernel's, each carries a stable `code` compared by value
 * (errors cross the worker boundary, where `instanceof` means nothing), the offending value in
 * the message, and a `fix` where one exists.
 */
export type WasmExtensionErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'PERMISSION_DENIED'
  | 'FAILED_PRECONDITION'
  | 'DEADLINE_EXCEEDED'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export class WasmExtensionError extends Error {
  constructor(
    readonly code: WasmExtensionErrorCode,
    message: string,
    readonly fix?: string,
  ) {
    super(message);
    this.name = 'WasmExtensionError';
  }
}
