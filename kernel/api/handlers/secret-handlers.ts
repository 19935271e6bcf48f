import type {
  DeleteGlobalSecretRequest__Output as DeleteGlobalReq,
  DeletePipelineSecretRequest__Output as DeletePipelineReq,
  GetGlobalSecretRequest__Output as GetGlobalReq,
  GetPipelineSecretRequest__Output as GetPipelineReq,
  ListPipelineSecretsRequest__Output as ListPipelineReq,
  PutGlobalSecretRequest__Output as PutGlobalReq,
  PutPipelineSecretRequest__Output as PutPipelineReq,
} from '../../../proto/generated/gofer/v1/index.js';
import type { SecretInfo } from '../../contracts/secret-store.js';
import type { KernelServices } from '../kernel-services.js';
import { type Handler, unary } from '../call-guard.js';
import { requireText } from '../request-fields.js';

export function secretHandlers(kernel: KernelServices): Record<string, Handler> {
  const secrets = kernel.secrets;
  const shown = ({ info, value }: { info: SecretInfo; value?: Buffer }) =>
    value === undefined ? { secret: infoToWire(info) } : { secret: infoToWire(info), value };

  return {
    ListPipelineSecrets: unary(async (req: ListPipelineReq) => {
      const { namespace, pipeline } = scope(req);
      return { secrets: (await secrets.listPipeline(namespace, pipeline)).map(infoToWire) };
    }),
    GetPipelineSecret: unary(async (req: GetPipelineReq) => {
      const { namespace, pipeline } = scope(req);
      const key = requireText(req.key, 'key');
      return shown(await secrets.getPipeline(namespace, pipeline, key, req.include_value));
    }),
    PutPipelineSecret: unary(async (req: PutPipelineReq) => {
      const { namespace, pipeline } = scope(req);
      const key = requireText(req.key, 'key');
      const info = await secrets.putPipeline(namespace, pipeline, key, req.value, {
        force: req.force,
      });
      return { secret: infoToWire(info) };
    }),
    DeletePipelineSecret: unary(async (req: DeletePipelineReq) => {
      const { namespace, pipeline } = scope(req);
      await secrets.deletePipeline(namespace, pipeline, requireText(req.key, 'key'));
      return {};
    }),

    ListGlobalSecrets: unary(async () => ({
      secrets: (await secrets.listGlobal()).map(infoToWire),
    })),
    GetGlobalSecret: unary(async (req: GetGlobalReq) =>
      shown(await secrets.getGlobal(requireText(req.key, 'key'), req.include_value)),
    ),
    PutGlobalSecret: unary(async (req: PutGlobalReq) => {
      const info = await secrets.putGlobal(requireText(req.key, 'key'), req.value, {
        force: req.force,
        namespaces: req.namespaces,
      });
      return { secret: infoToWire(info) };
    }),
    DeleteGlobalSecret: unary(async (req: DeleteGlobalReq) => {
      await secrets.deleteGlobal(requireText(req.key, 'key'));
      return {};
    }),
  };
}

function scope(req: { namespace: string; pipeline: string }) {
  return {
    namespace: requireText(req.namespace, 'namespace'),
    pipeline: requireText(req.pipeline, 'pipeline'),
  };
}

function infoToWire(info: SecretInfo) {
  return { key: info.key, created: info.created, namespaces: [...info.namespaces] };
}
