/** The few WASI functions the WASI probe calls, as componentize-js binds them. */
declare module 'wasi:cli/environment@0.2.12' {
  export function getEnvironment(): Array<[string, string]>;
}
declare module 'wasi:filesystem/preopens@0.2.12' {
  export function getDirectories(): Array<[unknown, string]>;
}
declare module 'wasi:sockets/instance-network@0.2.12' {
  export function instanceNetwork(): unknown;
}
declare module 'wasi:sockets/tcp-create-socket@0.2.12' {
  export function createTcpSocket(family: 'ipv4' | 'ipv6'): {
    startConnect(
      network: unknown,
      address: { tag: 'ipv4'; val: { port: number; address: number[] } },
    ): void;
  };
}
