import type {
  InstallExtensionRequest__Output as InstallReq,
  GetExtensionRequest__Output as ByNameReq,
  SubscribeRequest__Output as SubscribeReq,
  UnsubscribeRequest__Output as KeyReq,
  ListSubscriptionsRequest__Output as ListSubsReq,
} from '../../../proto/generated/gofer/v1/index.js';
import { extensionToWire, subscriptionToWire } from '../../../proto/extension-wire.js';
import { GoferError } from '../../errors.js';
import type { ExtensionService, KernelServices, SubscriptionService } from '../kernel-services.js';
import { type Handler, unary } from '../call-guard.js';
import { requireText } from '../request-fields.js';

const absent = () =>
  new GoferError(
    'UNAVAILABLE',
    'this kernel runs no extension system',
    'start Gofer with its extension support built in',
  );

export function extensionHandlers(kernel: KernelServices): Record<string, Handler> {
  const ext = (): ExtensionService => kernel.extensions ?? throwing(absent());
  const name = (req: ByNameReq) => requireText(req.name, 'name');

  return {
    Install: unary(async (req: InstallReq) => ({
      extension: extensionToWire(
        await ext().install({
          name: requireText(req.name, 'name'),
          source: requireText(req.source, 'source'),
          config: req.config,
          grants: req.grants,
        }),
      ),
    })),
    Uninstall: unary(async (req: ByNameReq) => {
      await ext().uninstall(name(req));
      return {};
    }),
    Enable: unary(async (req: ByNameReq) => ({
      extension: extensionToWire(await ext().enable(name(req))),
    })),
    Disable: unary(async (req: ByNameReq) => ({
      extension: extensionToWire(await ext().disable(name(req))),
    })),
    List: unary(async () => ({ extensions: (await ext().list()).map(extensionToWire) })),
    Get: unary(async (req: ByNameReq) => ({
      extension: extensionToWire(await ext().get(name(req))),
    })),
  };
}

export function subscriptionHandlers(kernel: KernelServices): Record<string, Handler> {
  const subs = (): SubscriptionService => kernel.subscriptions ?? throwing(absent());
  const key = (req: KeyReq) => ({
    namespace: req.namespace,
    pipeline: requireText(req.pipeline, 'pipeline'),
    extension: requireText(req.extension, 'extension'),
    label: requireText(req.label, 'label'),
  });

  return {
    Subscribe: unary(async (req: SubscribeReq) => ({
      subscription: subscriptionToWire(
        await subs().subscribe({ ...key(req), settings: req.settings }),
      ),
    })),
    Unsubscribe: unary(async (req: KeyReq) => {
      await subs().unsubscribe(key(req));
      return {};
    }),
    List: unary(async (req: ListSubsReq) => ({
      subscriptions: (await subs().list({ namespace: req.namespace, pipeline: req.pipeline })).map(
        subscriptionToWire,
      ),
    })),
    Enable: unary(async (req: KeyReq) => ({
      subscription: subscriptionToWire(await subs().enable(key(req))),
    })),
    Disable: unary(async (req: KeyReq) => ({
      subscription: subscriptionToWire(await subs().disable(key(req))),
    })),
  };
}

function throwing(err: Error): never {
  throw err;
}
