/**
 * Who may call what: every RPC of the gofer.v1 API, by full path, with the scope the auth plugin
 * checks and where the request names its namespace. A method missing here is refused at server
 * start (see `missingAccessEntries`), so a new RPC cannot ship without a decision about access.
 */
import type { AccessRequest } from '../contracts/auth.js';

export interface MethodAccess {
  scope: AccessRequest['scope'];
  /** Reads the namespace the call acts on; only for `namespace` scope. */
  namespace?: (request: Record<string, unknown>) => unknown;
  /** Callable without a token; only for bootstrap, which is how the first token comes to be. */
  public?: true;
}

const inNamespaceField: MethodAccess = {
  scope: 'namespace',
  namespace: (req) => req.namespace,
};
const management: MethodAccess = { scope: 'management' };
const anyone: MethodAccess = { scope: 'any' };

function service(name: string, methods: Record<string, MethodAccess>) {
  return Object.entries(methods).map(([method, access]) => [`/gofer.v1.${name}/${method}`, access]);
}

export const METHOD_ACCESS: ReadonlyMap<string, MethodAccess> = new Map(
  [
    service('SystemService', { GetSystemInfo: anyone }),
    service('NamespaceService', {
      // The list holds only the namespaces the caller has a grant to; reading one needs a grant.
      List: anyone,
      Get: { scope: 'namespace', namespace: (req) => req.id },
      Create: management,
      Update: management,
      Delete: management,
    }),
    service('PipelineService', {
      List: inNamespaceField,
      Get: inNamespaceField,
      Register: inNamespaceField,
      Deploy: inNamespaceField,
      Enable: inNamespaceField,
      Disable: inNamespaceField,
      Delete: inNamespaceField,
      ListConfigs: inNamespaceField,
      GetConfig: inNamespaceField,
    }),
    service('RunService', {
      Start: inNamespaceField,
      Get: inNamespaceField,
      List: inNamespaceField,
      Cancel: inNamespaceField,
      CancelAll: inNamespaceField,
      Retry: inNamespaceField,
      ListTaskRuns: inNamespaceField,
      GetTaskRun: inNamespaceField,
      CancelTaskRun: inNamespaceField,
    }),
    service('LogService', { TaskRunLogs: inNamespaceField, RunLogs: inNamespaceField }),
    // Events span namespaces: the stream drops the ones the caller holds no grant to.
    service('EventService', { GetEvent: anyone, ListEvents: anyone }),
    service('ExtensionService', {
      Install: management,
      Uninstall: management,
      Enable: management,
      Disable: management,
      List: management,
      Get: management,
    }),
    service('PluginService', {
      Install: management,
      List: management,
      Get: management,
      Remove: management,
    }),
    service('SubscriptionService', {
      Subscribe: inNamespaceField,
      Unsubscribe: inNamespaceField,
      List: inNamespaceField,
      Enable: inNamespaceField,
      Disable: inNamespaceField,
    }),
    service('TokenService', {
      // Refuses every call after the first, so being open gives nothing away.
      Bootstrap: { scope: 'management', public: true },
      Create: management,
      List: management,
      Get: management,
      Enable: management,
      Disable: management,
      Delete: management,
      WhoAmI: anyone,
    }),
    service('ObjectService', {
      ListPipelineObjects: inNamespaceField,
      GetPipelineObject: inNamespaceField,
      PutPipelineObject: inNamespaceField,
      DeletePipelineObject: inNamespaceField,
      ListRunObjects: inNamespaceField,
      GetRunObject: inNamespaceField,
      PutRunObject: inNamespaceField,
      DeleteRunObject: inNamespaceField,
    }),
    service('SecretService', {
      ListPipelineSecrets: inNamespaceField,
      GetPipelineSecret: inNamespaceField,
      PutPipelineSecret: inNamespaceField,
      DeletePipelineSecret: inNamespaceField,
      // Global secrets belong to the installation; namespaces only use them through tasks.
      ListGlobalSecrets: management,
      GetGlobalSecret: management,
      PutGlobalSecret: management,
      DeleteGlobalSecret: management,
    }),
  ].flat() as [string, MethodAccess][],
);

/** Full paths of methods in `paths` that the table does not cover. */
export function missingAccessEntries(paths: Iterable<string>): string[] {
  return [...paths].filter((path) => !METHOD_ACCESS.has(path));
}
