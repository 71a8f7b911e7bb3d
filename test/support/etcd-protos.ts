import { createRequire } from 'node:module';
import path from 'node:path';
import protobuf from 'protobufjs';

/**
 * etcd's own message definitions (the rpc.proto and kv.proto copies the npm etcd3 package ships), with field
 * names as in the .proto files: an independent encoder/decoder of etcd messages for tests and benchmarks.
 */
export function loadEtcdProtos(): protobuf.Root {
  const require = createRequire(import.meta.url);
  const dir = path.join(path.dirname(require.resolve('etcd3/package.json')), 'proto');
  return new protobuf.Root().loadSync([path.join(dir, 'rpc.proto'), path.join(dir, 'kv.proto')], { keepCase: true });
}
