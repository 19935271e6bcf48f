/**
 * A failed API call as the client sees it: the gRPC status name as `code` (the same names as
 * kernel/errors.ts), the server's message without the fix appended to it, and the fix itself
 * from the `gofer-fix` trailing metadata.
 */
import * as grpc from '@grpc/grpc-js';

export class GoferClientError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly fix?: string,
    /** The server's own finer code, e.g. IMAGE_PULL_REFUSED, when it sent one. */
    readonly detailCode?: string,
  ) {
    super(message);
    this.name = 'GoferClientError';
  }

  static from(err: grpc.ServiceError): GoferClientError {
    const code = grpc.status[err.code] ?? 'UNKNOWN';
    const fix = err.metadata?.get('gofer-fix')[0]?.toString();
    const detailCode = err.metadata?.get('gofer-code')[0]?.toString();
    let message = err.details || err.message;
    if (fix && message.endsWith(` (fix: ${fix})`))
      message = message.slice(0, -` (fix: ${fix})`.length);
    if (err.code === grpc.status.UNAVAILABLE && !fix) {
      return new GoferClientError(
        code,
        `cannot reach the server: ${message}`,
        'check --address (GOFER_CLI_ADDRESS) and that `gofer service start` is running',
      );
    }
    if (err.code === grpc.status.DEADLINE_EXCEEDED && !fix) {
      return new GoferClientError(
        code,
        `the server did not answer in time: ${message}`,
        'check the server is healthy, or raise --timeout',
      );
    }
    return new GoferClientError(code, message, fix, detailCode);
  }
}
