/**
 * What every gRPC client of the CLI sets up the same way: credentials (TLS checked against the
 * given CA or the system roots, or plain text) and the bearer token in the call metadata.
 */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';

export interface ConnectionOptions {
  tls?: boolean;
  /** PEM file of the CA that signed the server certificate. */
  tlsCa?: string;
  token?: string;
}

export function channelCredentials(opts: ConnectionOptions): grpc.ChannelCredentials {
  return opts.tls
    ? grpc.credentials.createSsl(opts.tlsCa ? readFileSync(opts.tlsCa) : null)
    : grpc.credentials.createInsecure();
}

export function callMetadata(opts: ConnectionOptions): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (opts.token) metadata.set('authorization', `Bearer ${opts.token}`);
  return metadata;
}
