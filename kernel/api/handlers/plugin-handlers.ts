import type {
  GetPluginRequest__Output as ByIdReq,
  InstallPluginRequest__Output as InstallReq,
  Plugin,
} from '../../../proto/generated/gofer/v1/index.js';
import { GoferError } from '../../errors.js';
import type { KernelServices, PluginService, PluginView } from '../kernel-services.js';
import { type Handler, unary } from '../call-guard.js';
import { requireText } from '../request-fields.js';

export function pluginToWire(p: PluginView): Plugin {
  return {
    id: p.id,
    kind: p.kind,
    name: p.name,
    version: p.version,
    origin: p.origin,
    in_use: p.inUse,
    status: p.status,
    status_reason: p.statusReason,
    dir: p.dir,
    source: p.source,
    description: p.description,
    permissions: p.permissions,
    kernel: p.kernel,
    depends_on: p.dependsOn,
    installed: p.installed,
  };
}

export function pluginHandlers(kernel: KernelServices): Record<string, Handler> {
  const plugins = (): PluginService => {
    if (!kernel.plugins) {
      throw new GoferError(
        'UNAVAILABLE',
        'this kernel manages no plugins',
        'use a kernel started by `gofer service start`',
      );
    }
    return kernel.plugins;
  };
  const id = (req: ByIdReq) => requireText(req.id, 'id');

  return {
    Install: unary(async (req: InstallReq) => ({
      plugin: pluginToWire(
        await plugins().install({
          source: requireText(req.source, 'source'),
          name: req.name,
          grants: req.grants,
        }),
      ),
    })),
    List: unary(async () => ({ plugins: (await plugins().list()).map(pluginToWire) })),
    Get: unary(async (req: ByIdReq) => ({ plugin: pluginToWire(await plugins().get(id(req))) })),
    Remove: unary(async (req: ByIdReq) => {
      await plugins().remove(id(req));
      return {};
    }),
  };
}
