/**
 * Every method of the gofer.v1 API, found from the loaded proto service descriptors so that a
 * new method cannot be forgotten, has an expected role in the table below, matches the
 * kernel's access table, and is called over real gRPC against a real kernel three ways: with no
 * token, with a client token of a foreign namespace, and with a token that may call it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type * as protoLoader from '@grpc/proto-loader';
import { METHOD_ACCESS } from '../../../kernel/api/method-access.js';
import { loadProtos, SERVICE_NAMES } from '../../../proto/load-protos.js';
import { startAuthFixture, type AuthFixture } from './auth-fixture.js';

type Role = 'public' | 'any' | 'namespace' | 'management';

/** Who may call what, from the requirement; docs/auth.md shows the same table. */
const EXPECTED: Record<string, Record<string, Role>> = {
  SystemService: { GetSystemInfo: 'any' },
  NamespaceService: {
    List: 'any',
    Get: 'namespace',
    Create: 'management',
    Update: 'management',
    Delete: 'management',
  },
  PipelineService: Object.fromEntries(
    [
      'List',
      'Get',
      'Register',
      'Deploy',
      'Enable',
      'Disable',
      'Delete',
      'ListConfigs',
      'GetConfig',
    ].map((m) => [m, 'namespace' as Role]),
  ),
  RunService: Object.fromEntries(
    [
      'Start',
      'Get',
      'List',
      'Cancel',
      'CancelAll',
      'Retry',
      'ListTaskRuns',
      'GetTaskRun',
      'CancelTaskRun',
    ].map((m) => [m, 'namespace' as Role]),
  ),
  LogService: { TaskRunLogs: 'namespace', RunLogs: 'namespace' },
  EventService: { GetEvent: 'any', ListEvents: 'any' },
  TokenService: {
    Bootstrap: 'public',
    Create: 'management',
    List: 'management',
    Get: 'management',
    Enable: 'management',
    Disable: 'management',
    Delete: 'management',
    WhoAmI: 'any',
  },
  ObjectService: Object.fromEntries(
    ['Pipeline', 'Run'].flatMap((scope) =>
      ['List', 'Get', 'Put', 'Delete'].map((verb) => [
        `${verb}${scope}Object${verb === 'List' ? 's' : ''}`,
        'namespace' as Role,
      ]),
    ),
  ),
  SecretService: {
    ListPipelineSecrets: 'namespace',
    GetPipelineSecret: 'namespace',
    PutPipelineSecret: 'namespace',
    DeletePipelineSecret: 'namespace',
    ListGlobalSecrets: 'management',
    GetGlobalSecret: 'management',
    PutGlobalSecret: 'management',
    DeleteGlobalSecret: 'management',
  },
  ExtensionService: {
    Install: 'management',
    Uninstall: 'management',
    Enable: 'management',
    Disable: 'management',
    List: 'management',
    Get: 'management',
  },
  PluginService: {
    Install: 'management',
    List: 'management',
    Get: 'management',
    Remove: 'management',
  },
  SubscriptionService: {
    Subscribe: 'namespace',
    Unsubscribe: 'namespace',
    List: 'namespace',
    Enable: 'namespace',
    Disable: 'namespace',
  },
};

/**
 * Services of the extension wire protocol: they travel between the kernel and an extension on
 * the extension's own connection, authenticated by the extension's key, never on the API port.
 */
const NOT_ON_THE_API = ['ExtensionGuestService', 'ExtensionHostService'];

interface ApiMethod {
  service: string;
  name: string;
  path: string;
  definition: protoLoader.MethodDefinition<object, object>;
}

/** Every method of every service in the package definition the server is built from. */
function allMethods(): ApiMethod[] {
  const { definition } = loadProtos();
  const methods: ApiMethod[] = [];
  for (const [fullName, entry] of Object.entries(definition)) {
    // Message and enum entries carry a `format`; services are maps of method definitions.
    if ('format' in entry) continue;
    const service = fullName.replace(/^gofer\.v1\./, '');
    for (const [name, method] of Object.entries(entry as protoLoader.ServiceDefinition)) {
      methods.push({ service, name, path: method.path, definition: method });
    }
  }
  return methods;
}

const NAMESPACE = 'team-a';

interface FieldDescriptor {
  name: string;
  type: string;
  label: string;
}

/**
 * A request aimed at `team-a`: every string field says `team-a` (namespace-scoped methods find
 * their namespace in `namespace`, or `id` for NamespaceService.Get), numbers are 1, and message,
 * map and repeated fields are left empty.
 */
function requestFor(method: ApiMethod): Record<string, unknown> {
  const type = method.definition.requestType.type as { field?: FieldDescriptor[] };
  const request: Record<string, unknown> = {};
  for (const field of type.field ?? []) {
    if (field.label === 'LABEL_REPEATED') continue;
    if (field.type === 'TYPE_STRING') request[field.name] = NAMESPACE;
    else if (/INT|UINT|FIXED/.test(field.type)) request[field.name] = 1;
    else if (field.type === 'TYPE_BYTES') request[field.name] = Buffer.from('x');
  }
  return request;
}

/** The gRPC status a call ended with (OK when it succeeded). */
function callMethod(address: string, method: ApiMethod, token?: string): Promise<grpc.status> {
  const Client = grpc.makeGenericClientConstructor({}, method.service);
  const client = new Client(address, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  if (token) metadata.set('authorization', `Bearer ${token}`);
  const { path, definition } = method;
  const deadline = Date.now() + 10_000;
  const request = requestFor(method);

  return new Promise<grpc.status>((resolve) => {
    if (definition.responseStream) {
      const call = client.makeServerStreamRequest(
        path,
        definition.requestSerialize,
        definition.responseDeserialize,
        request,
        metadata,
        { deadline },
      );
      call.on('data', () => undefined);
      call.on('error', (err: grpc.ServiceError) => resolve(err.code));
      call.on('status', (status: grpc.StatusObject) => resolve(status.code));
    } else {
      client.makeUnaryRequest(
        path,
        definition.requestSerialize,
        definition.responseDeserialize,
        request,
        metadata,
        { deadline },
        (err) => resolve(err ? err.code : grpc.status.OK),
      );
    }
  }).finally(() => client.close());
}

const AUTH_FAILURES = [grpc.status.UNAUTHENTICATED, grpc.status.PERMISSION_DENIED];

describe('access to every API method', () => {
  let fx: AuthFixture;
  const every = allMethods();
  const methods = every.filter((m) => !NOT_ON_THE_API.includes(m.service));
  const roleOf = (m: ApiMethod) => EXPECTED[m.service]?.[m.name];

  before(async () => {
    fx = await startAuthFixture();
  });
  after(async () => {
    await fx?.stop();
  });

  it('finds the API methods in the proto descriptors', () => {
    assert.ok(methods.length > 40, `only ${methods.length} methods found`);
    assert.ok(methods.some((m) => m.path === '/gofer.v1.TokenService/Bootstrap'));
  });

  it('serves every service of the package but those of the extension protocol', () => {
    const services = new Set(every.map((m) => m.service));
    for (const service of services) {
      assert.equal(
        (SERVICE_NAMES as readonly string[]).includes(service),
        !NOT_ON_THE_API.includes(service),
        `${service}: add it to EXPECTED here, or to NOT_ON_THE_API if the API does not serve it`,
      );
    }
  });

  it('gives every method an expected role, and the kernel enforces that role', () => {
    const missing = methods.filter((m) => roleOf(m) === undefined);
    assert.deepEqual(
      missing.map((m) => m.path),
      [],
      'add these methods to EXPECTED in this test',
    );
    const known = new Set(methods.map((m) => m.path));
    const stale = Object.entries(EXPECTED).flatMap(([service, roles]) =>
      Object.keys(roles)
        .map((name) => `/gofer.v1.${service}/${name}`)
        .filter((path) => !known.has(path)),
    );
    assert.deepEqual(stale, [], 'these methods are in EXPECTED but not in the API');

    for (const m of methods) {
      const access = METHOD_ACCESS.get(m.path);
      assert.ok(access, `${m.path} has no entry in kernel/api/method-access.ts`);
      const role: Role = access.public ? 'public' : access.scope;
      assert.equal(role, roleOf(m), `role of ${m.path}`);
    }
  });

  it('refuses every method but bootstrap without a token, with UNAUTHENTICATED', async () => {
    for (const m of methods) {
      const code = await callMethod(fx.address, m);
      if (roleOf(m) === 'public') {
        assert.ok(
          !AUTH_FAILURES.includes(code),
          `${m.path} without a token gave ${grpc.status[code]}`,
        );
      } else {
        assert.equal(code, grpc.status.UNAUTHENTICATED, `${m.path} without a token`);
      }
    }
  });

  it('refuses a foreign namespace token with PERMISSION_DENIED on namespace and management methods', async () => {
    for (const m of methods) {
      const role = roleOf(m);
      const code = await callMethod(fx.address, m, fx.teamB);
      if (role === 'namespace' || role === 'management') {
        assert.equal(code, grpc.status.PERMISSION_DENIED, `${m.path} with a team-b token`);
      } else {
        assert.ok(
          !AUTH_FAILURES.includes(code),
          `${m.path} with a team-b token gave ${grpc.status[code]}`,
        );
      }
    }
  });

  it('lets a token with the right role through every method', async () => {
    for (const m of methods) {
      const role = roleOf(m);
      const token = role === 'management' ? fx.management : fx.teamA;
      const code = await callMethod(fx.address, m, role === 'public' ? undefined : token);
      assert.ok(
        ![...AUTH_FAILURES, grpc.status.UNIMPLEMENTED].includes(code),
        `${m.path} as ${role === 'management' ? 'management' : 'team-a client'} gave ${grpc.status[code]}`,
      );
    }
  });

  it('refuses a client token on management methods even inside its namespace', async () => {
    for (const m of methods.filter((m) => roleOf(m) === 'management')) {
      const code = await callMethod(fx.address, m, fx.teamA);
      assert.equal(code, grpc.status.PERMISSION_DENIED, `${m.path} with a team-a client token`);
    }
  });
});
