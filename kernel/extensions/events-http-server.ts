import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ExternalEvent, ExternalEventResponse } from '../contracts/extension.js';
import type { Logger } from '../contracts/logger.js';
import { errorCode, GoferError } from '../errors.js';

/** Webhook bodies are small; a bigger one is refused rather than buffered. */
const MAX_BODY_BYTES = 1024 * 1024;
/** How much of an oversized body is read and dropped before the connection is cut. */
const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;
const ROUTE = /^\/events\/([a-z][a-z0-9-]{0,62})\/?$/;

type Deliver = (name: string, event: ExternalEvent) => Promise<ExternalEventResponse>;

/**
 * `POST /events/<extension>` on its own port: hands the exact body bytes and the headers to the
 * extension and answers with its response. Everything else is a JSON error.
 */
export class EventsHttpServer {
  private readonly server: Server;

  constructor(
    private readonly deliver: Deliver,
    private readonly logger: Logger,
  ) {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  /** Listens on `host:port`; resolves with the bound address (useful with port 0). */
  start(address: string): Promise<string> {
    const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(address.trim());
    if (!match) {
      return Promise.reject(
        new GoferError(
          'INVALID_ARGUMENT',
          `extensions.events_address "${address}" is not host:port`,
          'set it like 127.0.0.1:8081',
        ),
      );
    }
    const host = match[1].replace(/^\[|\]$/g, '');
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(Number(match[2]), host, () => {
        const bound = this.server.address() as { port: number };
        resolve(`${match[1]}:${bound.port}`);
      });
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const route = ROUTE.exec(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (!route) return fail(res, 404, 'NOT_FOUND', `no route ${req.url}; POST /events/<extension>`);
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return fail(res, 405, 'INVALID_ARGUMENT', `${req.method} is not allowed here; use POST`);
    }
    const body = await readBody(req);
    if (!body) {
      // Answered before the rest is read; the connection closes once the sender is done.
      res.setHeader('connection', 'close');
      return fail(res, 413, 'INVALID_ARGUMENT', `body over ${MAX_BODY_BYTES} bytes`);
    }

    try {
      const answer = await this.deliver(route[1], { headers: joinHeaders(req), body });
      res.writeHead(answer.status || 200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(answer.body);
    } catch (err) {
      const code = errorCode(err);
      const status = code === 'NOT_FOUND' ? 404 : code === 'FAILED_PRECONDITION' ? 503 : 502;
      if (status === 502) this.logger.warn({ err, extension: route[1] }, 'event delivery failed');
      fail(res, status, code, (err as Error).message);
    }
  }
}

function fail(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code, message } }));
}

/** Names lower-cased (Node already does), repeated headers joined with ", ". */
function joinHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values) headers[name] = values.join(', ');
  }
  return headers;
}

/**
 * The body, or undefined once it is over the limit (known at once from Content-Length). The
 * rest of an oversized body is read and dropped, so that the sender gets to read the 413 instead
 * of a reset connection; one that keeps sending past DRAIN_LIMIT_BYTES is cut off.
 */
function readBody(req: IncomingMessage): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    const refuse = () => {
      over = true;
      chunks.length = 0;
      resolve(undefined);
    };
    if (declared > MAX_BODY_BYTES) refuse();
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (over) {
        if (size > DRAIN_LIMIT_BYTES) req.destroy();
        return;
      }
      if (size > MAX_BODY_BYTES) return refuse();
      chunks.push(chunk);
    });
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', (err) => (over ? resolve(undefined) : reject(err)));
  });
}
