import type {
  CreateNamespaceRequest__Output as CreateReq,
  DeleteNamespaceRequest__Output as DeleteReq,
  GetNamespaceRequest__Output as GetReq,
  ListNamespacesRequest__Output as ListReq,
  UpdateNamespaceRequest__Output as UpdateReq,
} from '../../../proto/generated/gofer/v1/index.js';
import { namespaceToWire } from '../../../proto/model-wire.js';
import type { Auth } from '../../contracts/auth.js';
import type { Namespace } from '../../contracts/model.js';
import type { Page } from '../../contracts/state-store.js';
import type { KernelServices, NamespaceService } from '../kernel-services.js';
import { type CallContext, type Handler, unary } from '../call-guard.js';
import { page, requireText } from '../request-fields.js';

/** Namespaces read per store call while filtering a list by grants. */
const FILTER_BATCH = 200;

/**
 * The namespaces the caller may enter, paged after filtering so that a client token sees full
 * pages of its own namespaces rather than pages of others' with holes.
 */
async function visibleNamespaces(
  namespaces: NamespaceService,
  auth: Auth,
  ctx: CallContext,
  wanted: Page,
): Promise<Namespace[]> {
  const visible: Namespace[] = [];
  const start = wanted.offset ?? 0;
  const end = start + (wanted.limit ?? FILTER_BATCH);
  for (let offset = 0; visible.length < end; offset += FILTER_BATCH) {
    const batch = await namespaces.list({ offset, limit: FILTER_BATCH });
    for (const ns of batch) {
      const request = { method: ctx.method, scope: 'namespace' as const, namespace: ns.id };
      const allowed = await auth.authorize(ctx.principal, request).then(
        () => true,
        () => false,
      );
      if (allowed) visible.push(ns);
    }
    if (batch.length < FILTER_BATCH) break;
  }
  return visible.slice(start, end);
}

export function namespaceHandlers(kernel: KernelServices, auth: Auth): Record<string, Handler> {
  const namespaces = kernel.namespaces;
  return {
    List: unary(async (req: ListReq, ctx) => ({
      namespaces: (await visibleNamespaces(namespaces, auth, ctx, page(req))).map(namespaceToWire),
    })),

    Get: unary(async (req: GetReq) => ({
      namespace: namespaceToWire(await namespaces.get(requireText(req.id, 'id'))),
    })),

    Create: unary(async (req: CreateReq) => {
      const id = requireText(req.id, 'id');
      const created = await namespaces.create({
        id,
        name: req.name || id,
        description: req.description,
      });
      return { namespace: namespaceToWire(created) };
    }),

    Update: unary(async (req: UpdateReq) => {
      const patch: { name?: string; description?: string } = {};
      if (req.name !== undefined) patch.name = req.name;
      if (req.description !== undefined) patch.description = req.description;
      return {
        namespace: namespaceToWire(await namespaces.update(requireText(req.id, 'id'), patch)),
      };
    }),

    Delete: unary(async (req: DeleteReq) => {
      await namespaces.delete(requireText(req.id, 'id'));
      return {};
    }),
  };
}
