import type { GetSystemInfoResponse } from '../../../proto/generated/gofer/v1/GetSystemInfoResponse.js';
import type { KernelServices } from '../kernel-services.js';
import { type Handler, unary } from '../call-guard.js';

export function systemHandlers(kernel: KernelServices): Record<string, Handler> {
  return {
    GetSystemInfo: unary(async (): Promise<GetSystemInfoResponse> => {
      const info = kernel.system();
      return {
        version: info.version,
        dev_mode: info.devMode,
        scheduler: info.scheduler,
        state_store: info.stateStore,
        auth: info.auth,
      };
    }),
  };
}
