/**
 * A guest that imports WASI files, environment and sockets, and reports what it can reach: the
 * environment's size, the preopened directories, and what happens when it connects a TCP socket
 * to the loopback discard port.
 */
import { getEnvironment } from 'wasi:cli/environment@0.2.12';
import { getDirectories } from 'wasi:filesystem/preopens@0.2.12';
import { instanceNetwork } from 'wasi:sockets/instance-network@0.2.12';
import { createTcpSocket } from 'wasi:sockets/tcp-create-socket@0.2.12';
import { defineExtension } from '../../../../sdk/extension/index.js';

function tryConnect(): string {
  try {
    const socket = createTcpSocket('ipv4');
    socket.startConnect(instanceNetwork(), {
      tag: 'ipv4',
      val: { port: 9, address: [127, 0, 0, 1] },
    });
    return 'connecting';
  } catch (err) {
    return `refused: ${String(err)}`;
  }
}

export default defineExtension({
  info: {
    name: 'wasi-probe',
    version: '0.0.0',
    documentation: 'Test guest.',
    configParams: [],
    subscriptionParams: [],
  },
  externalEvent() {
    const report = {
      environment: getEnvironment(),
      directories: getDirectories().map(([, path]) => path),
      socket: tryConnect(),
    };
    return { status: 200, body: JSON.stringify(report) };
  },
});
