// The probe extension's container entry: the same definition, served over gRPC.
import { serveGrpc } from '../../../sdk/extension/serve-grpc.js';
import probe from './probe-extension.js';

serveGrpc(probe);
