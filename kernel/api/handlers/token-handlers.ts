import type {
  CreateTokenRequest__Output as CreateReq,
  DeleteTokenRequest__Output as DeleteReq,
  DisableTokenRequest__Output as DisableReq,
  EnableTokenRequest__Output as EnableReq,
  GetTokenRequest__Output as GetReq,
  WhoAmIResponse,
} from '../../../proto/generated/gofer/v1/index.js';
import { tokenKindFromWire, tokenToWire } from '../../../proto/token-wire.js';
import { invalidArgument } from '../../errors.js';
import type { KernelServices } from '../kernel-services.js';
import { type Handler, unary } from '../call-guard.js';
import { nonNegative, requireText } from '../request-fields.js';

export function tokenHandlers(kernel: KernelServices): Record<string, Handler> {
  const tokens = kernel.tokens;
  const id = (req: { id: string }) => requireText(req.id, 'id');

  return {
    Bootstrap: unary(async () => {
      const created = await tokens.bootstrap();
      return { secret: created.token, token: tokenToWire(created.info) };
    }),

    Create: unary(async (req: CreateReq) => {
      const kind = tokenKindFromWire(req.kind);
      if (!kind) {
        throw invalidArgument('kind is required', 'set kind to management or client (--kind)');
      }
      const created = await tokens.create({
        name: requireText(req.name, 'name'),
        kind,
        namespaces: req.namespaces,
        expires: nonNegative(req.expires, 'expires'),
        metadata: req.metadata,
      });
      return { secret: created.token, token: tokenToWire(created.info) };
    }),

    List: unary(async () => ({ tokens: (await tokens.list()).map(tokenToWire) })),

    Get: unary(async (req: GetReq) => ({ token: tokenToWire(await tokens.get(id(req))) })),

    Enable: unary(async (req: EnableReq) => ({
      token: tokenToWire(await tokens.enable(id(req))),
    })),

    Disable: unary(async (req: DisableReq) => ({
      token: tokenToWire(await tokens.disable(id(req))),
    })),

    Delete: unary(async (req: DeleteReq) => {
      await tokens.delete(id(req));
      return {};
    }),

    WhoAmI: unary(async (_req: unknown, ctx): Promise<WhoAmIResponse> => {
      const { principal, token } = await tokens.whoami(ctx.principal, ctx.token);
      return {
        kind: principal.kind,
        name: principal.name,
        namespaces: [...principal.namespaces],
        ...(token ? { token: tokenToWire(token) } : {}),
      };
    }),
  };
}
