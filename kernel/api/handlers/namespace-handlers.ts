import type { CreateNamespaceRequest__Output as CreateReq } from '../../../proto/generated/gofer/v1/CreateNamespaceRequest.js';
import type { DeleteNamespaceRequest__Output as DeleteReq } from '../../../proto/generated/gofer/v1/DeleteNamespaceRequest.js';
import type { GetNamespaceRequest__Output as GetReq } from '../../../proto/generated/gofer/v1/GetNamespaceRequest.js';
import type { ListNamespacesRequest__Output as ListReq } from '../../../proto/generated/gofer/v1/ListNamespacesRequest.js';
import type { UpdateNamespaceRequest__Output as UpdateReq } from '../../../proto/generated/gofer/v1/UpdateNamespaceRequest.js';
import { namespaceToWire } from '../../../proto/model-wire.js';
import type { KernelServices } from '../kernel-services.js';
import { type Handler, unary } from '../call-guard.js';
import { page, requireText } from '../request-fields.js';

export function namespaceHandlers(kernel: KernelServices): Record<string, Handler> {
  const namespaces = kernel.namespaces;
  return {
    List: unary(async (req: ListReq) => ({
      namespaces: (await namespaces.list(page(req))).map(namespaceToWire),
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
