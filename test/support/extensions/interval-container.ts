// The interval extension's container entry: the same definition the wasm build uses, served
// over gRPC.
import { serveGrpc } from '../../../sdk/extension/serve-grpc.js';
import interval from '../../../extensions/interval/interval-extension.js';

serveGrpc(interval);
