import type {
  DeletePipelineObjectRequest__Output as DeletePipelineReq,
  DeleteRunObjectRequest__Output as DeleteRunReq,
  GetPipelineObjectRequest__Output as GetPipelineReq,
  GetRunObjectRequest__Output as GetRunReq,
  ListPipelineObjectsRequest__Output as ListPipelineReq,
  ListRunObjectsRequest__Output as ListRunReq,
  PutPipelineObjectRequest__Output as PutPipelineReq,
  PutRunObjectRequest__Output as PutRunReq,
} from '../../../proto/generated/gofer/v1/index.js';
import type { ObjectInfo, ObjectKey, ObjectScope } from '../../contracts/object-store.js';
import type { KernelServices } from '../kernel-services.js';
import { type Handler, unary } from '../call-guard.js';
import { requirePositive, requireText } from '../request-fields.js';

export function objectHandlers(kernel: KernelServices): Record<string, Handler> {
  const objects = kernel.objects;
  const list = async (scope: ObjectScope) => ({
    objects: (await objects.list(scope)).map(infoToWire),
  });
  const get = async (key: ObjectKey) => {
    const { info, value } = await objects.get(key);
    return { object: infoToWire(info), value };
  };
  const put = async (key: ObjectKey, value: Buffer, force: boolean) => {
    const { info, evicted } = await objects.put(key, value, { force });
    return { object: infoToWire(info), evicted };
  };
  const remove = async (key: ObjectKey) => {
    await objects.delete(key);
    return {};
  };

  return {
    ListPipelineObjects: unary((req: ListPipelineReq) => list(pipelineScope(req))),
    GetPipelineObject: unary((req: GetPipelineReq) => get(withKey(pipelineScope(req), req.key))),
    PutPipelineObject: unary((req: PutPipelineReq) =>
      put(withKey(pipelineScope(req), req.key), req.value, req.force),
    ),
    DeletePipelineObject: unary((req: DeletePipelineReq) =>
      remove(withKey(pipelineScope(req), req.key)),
    ),
    ListRunObjects: unary((req: ListRunReq) => list(runScope(req))),
    GetRunObject: unary((req: GetRunReq) => get(withKey(runScope(req), req.key))),
    PutRunObject: unary((req: PutRunReq) =>
      put(withKey(runScope(req), req.key), req.value, req.force),
    ),
    DeleteRunObject: unary((req: DeleteRunReq) => remove(withKey(runScope(req), req.key))),
  };
}

function pipelineScope(req: { namespace: string; pipeline: string }): ObjectScope {
  return {
    namespace: requireText(req.namespace, 'namespace'),
    pipeline: requireText(req.pipeline, 'pipeline'),
  };
}

function runScope(req: { namespace: string; pipeline: string; run: number }): ObjectScope {
  return { ...pipelineScope(req), run: requirePositive(req.run, 'run') };
}

function withKey(scope: ObjectScope, key: string): ObjectKey {
  return { ...scope, key: requireText(key, 'key') };
}

function infoToWire(info: ObjectInfo) {
  return { key: info.key, created: info.created, size: info.size };
}
