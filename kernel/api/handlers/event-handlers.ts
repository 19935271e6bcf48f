import type {
  Event,
  GetEventRequest__Output as GetReq,
  ListEventsRequest__Output as ListReq,
} from '../../../proto/generated/gofer/v1/index.js';
import { eventToWire } from '../../../proto/model-wire.js';
import type { Auth } from '../../contracts/auth.js';
import type { GoferEvent } from '../../contracts/model.js';
import { invalidArgument, notFound } from '../../errors.js';
import type { KernelServices } from '../kernel-services.js';
import { type CallContext, type Handler, stream, unary } from '../call-guard.js';
import { nonNegative, requirePositive } from '../request-fields.js';

/**
 * Events are open to any caller, but each one about a namespace is shown only to callers the
 * auth plugin lets into that namespace; the answer is remembered for the length of the call.
 */
function namespaceFilter(auth: Auth, ctx: CallContext) {
  const allowed = new Map<string, Promise<boolean>>();
  return (event: GoferEvent): Promise<boolean> => {
    if (!event.namespace) return Promise.resolve(true);
    let verdict = allowed.get(event.namespace);
    if (!verdict) {
      const request = {
        method: ctx.method,
        scope: 'namespace' as const,
        namespace: event.namespace,
      };
      verdict = auth.authorize(ctx.principal, request).then(
        () => true,
        () => false,
      );
      allowed.set(event.namespace, verdict);
    }
    return verdict;
  };
}

export function eventHandlers(kernel: KernelServices, auth: Auth): Record<string, Handler> {
  return {
    GetEvent: unary(async (req: GetReq, ctx) => {
      const event = await kernel.events.get(requirePositive(req.id, 'id'));
      // Answer as if it did not exist, so ids do not reveal other namespaces' activity.
      if (!(await namespaceFilter(auth, ctx)(event))) throw notFound(`event ${req.id} not found`);
      return { event: eventToWire(event) };
    }),

    ListEvents: stream(async function* (req: ListReq, ctx): AsyncIterable<Event> {
      if (req.follow && req.reverse) {
        throw invalidArgument(
          'follow and reverse cannot be combined',
          'drop reverse to follow new events, or drop follow to read history newest first',
        );
      }
      const visible = namespaceFilter(auth, ctx);
      const events = kernel.events.list({
        afterId: nonNegative(req.after_id, 'after_id') || undefined,
        reverse: req.reverse,
        follow: req.follow,
        limit: nonNegative(req.limit, 'limit') || undefined,
        signal: ctx.signal,
      });
      for await (const event of events) {
        if (await visible(event)) yield eventToWire(event);
      }
    }),
  };
}
