import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import protobuf from 'protobufjs';

/** How a gRPC method streams, in grpc-js handler terms. */
export type MethodType = 'unary' | 'clientStream' | 'serverStream' | 'bidi';

/** One etcd v3 gRPC method, e.g. `{ path: '/etcdserverpb.KV/Range', type: 'unary' }`. */
export interface EtcdMethod {
  path: string;
  service: string;
  name: string;
  type: MethodType;
}

/** The rpc.proto shipped by the npm etcd3 package (etcd API 3.5; RangeStream is not in it). */
export function etcdRpcProtoPath(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('etcd3/package.json')), 'proto', 'rpc.proto');
}

/**
 * Every method of every service in etcd's rpc.proto (KV, Watch, Lease, Cluster, Maintenance, Auth), read from
 * the proto file so that the proxy registers exactly what etcd serves. Methods etcd added later (KV/RangeStream)
 * get UNIMPLEMENTED from grpc-js, which the apiserver treats as "fall back to Range".
 */
export function loadEtcdMethods(protoFile = etcdRpcProtoPath()): EtcdMethod[] {
  const parsed = protobuf.parse(readFileSync(protoFile, 'utf8'), { keepCase: true });
  const pkg = parsed.package ?? '';
  const namespace = pkg ? parsed.root.lookup(pkg) : parsed.root;
  if (!(namespace instanceof protobuf.Namespace)) throw new Error(`${protoFile}: package ${pkg} not found`);
  const methods: EtcdMethod[] = [];
  for (const service of namespace.nestedArray) {
    if (!(service instanceof protobuf.Service)) continue;
    for (const method of service.methodsArray) {
      const type: MethodType = method.requestStream
        ? method.responseStream ? 'bidi' : 'clientStream'
        : method.responseStream ? 'serverStream' : 'unary';
      methods.push({ path: `/${pkg}.${service.name}/${method.name}`, service: service.name, name: method.name, type });
    }
  }
  return methods;
}
