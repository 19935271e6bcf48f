import type {
  DeployPipelineRequest__Output as DeployReq,
  GetPipelineConfigRequest__Output as GetConfigReq,
  GetPipelineRequest__Output as ByIdReq,
  ListPipelineConfigsRequest__Output as ListConfigsReq,
  ListPipelinesRequest__Output as ListReq,
  RegisterPipelineRequest__Output as RegisterReq,
} from '../../../proto/generated/gofer/v1/index.js';
import { pipelineToWire, versionToWire } from '../../../proto/model-wire.js';
import { configFromWire } from '../../../proto/pipeline-config-wire.js';
import { invalidArgument } from '../../errors.js';
import type { KernelServices } from '../kernel-services.js';
import { type Handler, unary } from '../call-guard.js';
import { nonNegative, page, requirePositive, requireText } from '../request-fields.js';

export function pipelineHandlers(kernel: KernelServices): Record<string, Handler> {
  const pipelines = kernel.pipelines;
  // Enable, Disable, Get and Delete all name one pipeline the same way.
  const id = (req: ByIdReq) => requireText(req.id, 'id');

  return {
    List: unary(async (req: ListReq) => ({
      pipelines: (await pipelines.list(req.namespace, page(req))).map(pipelineToWire),
    })),

    Get: unary(async (req: ByIdReq) => ({
      pipeline: pipelineToWire(await pipelines.get(req.namespace, id(req))),
    })),

    Register: unary(async (req: RegisterReq) => {
      if (!req.config) {
        throw invalidArgument('config is required', 'send the pipeline config in the config field');
      }
      const version = await pipelines.register(req.namespace, configFromWire(req.config));
      return { config: versionToWire(version) };
    }),

    Deploy: unary(async (req: DeployReq) => {
      const version = requirePositive(req.version, 'version');
      return { config: versionToWire(await pipelines.deploy(req.namespace, id(req), version)) };
    }),

    Enable: unary(async (req: ByIdReq) => ({
      pipeline: pipelineToWire(await pipelines.enable(req.namespace, id(req))),
    })),

    Disable: unary(async (req: ByIdReq) => ({
      pipeline: pipelineToWire(await pipelines.disable(req.namespace, id(req))),
    })),

    Delete: unary(async (req: ByIdReq) => {
      await pipelines.delete(req.namespace, id(req));
      return {};
    }),

    ListConfigs: unary(async (req: ListConfigsReq) => ({
      configs: (await pipelines.listConfigs(req.namespace, id(req), page(req))).map(versionToWire),
    })),

    GetConfig: unary(async (req: GetConfigReq) => {
      const version = nonNegative(req.version, 'version');
      return { config: versionToWire(await pipelines.getConfig(req.namespace, id(req), version)) };
    }),
  };
}
