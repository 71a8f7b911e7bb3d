import * as grpc from '@grpc/grpc-js';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdProxy } from '../../src/inject/proxy/etcd-proxy.js';
import { startEtcd, type EtcdInstance } from '../support/etcd.js';

// Call metadata and deadlines, observed through real etcd behaviour: its auth checks the `token` metadata the
// client sends on every call, and a deadline that expires must end the upstream Watch too.

let etcd: EtcdInstance;
let proxy: EtcdProxy;

beforeAll(async () => {
  etcd = await startEtcd();
  proxy = await EtcdProxy.start({ listen: '127.0.0.1:0', upstream: etcd.endpoint });
});

afterAll(async () => {
  await proxy?.close(0);
  await etcd?.stop();
});

async function etcdGauge(name: string): Promise<number> {
  const text = await (await fetch(`${etcd.endpoint}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
}

describe('metadata and deadlines', () => {
  it('a deadline that expires ends the upstream watch as well', async () => {
    const client = new grpc.Client(proxy.address, grpc.credentials.createInsecure());
    const identity = (b: Buffer) => b;
    const stream = client.makeBidiStreamRequest<Buffer, Buffer>('/etcdserverpb.Watch/Watch', identity, identity, new grpc.Metadata(), { deadline: Date.now() + 500 });
    const status = new Promise<grpc.StatusObject>((resolve) => stream.on('status', resolve));
    stream.on('error', () => undefined);
    // WatchRequest{create_request{key: "/"}}: field 1 (create) holding field 1 (key).
    stream.write(Buffer.from([0x0a, 0x03, 0x0a, 0x01, 0x2f]));
    await new Promise((r) => setTimeout(r, 200));
    expect(await etcdGauge('etcd_debugging_mvcc_watcher_total')).toBe(1);
    expect((await status).code).toBe(grpc.status.DEADLINE_EXCEEDED);
    const deadline = Date.now() + 5000;
    while ((await etcdGauge('etcd_debugging_mvcc_watch_stream_total')) !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await etcdGauge('etcd_debugging_mvcc_watch_stream_total')).toBe(0);
    expect(proxy.stats.openUpstreamCalls).toBe(0);
    client.close();
  });

  it('passes the auth token metadata through: etcd authenticates calls made via the proxy', async () => {
    const admin = new Etcd3({ hosts: `http://${proxy.address}` });
    await admin.role('root').create();
    await admin.user('root').create('s3cret');
    await admin.user('root').addRole('root');
    await admin.auth.authEnable();
    admin.close();

    const anonymous = new Etcd3({ hosts: `http://${proxy.address}` });
    await expect(anonymous.put('/secured').value('v')).rejects.toThrow(/user name is empty|permission denied|authentication/i);
    anonymous.close();

    const root = new Etcd3({ hosts: `http://${proxy.address}`, auth: { username: 'root', password: 's3cret' } });
    await root.put('/secured').value('v');
    expect(await root.get('/secured').string()).toBe('v');
    const direct = new Etcd3({ hosts: etcd.endpoint, auth: { username: 'root', password: 's3cret' } });
    expect(await direct.get('/secured').string()).toBe('v');
    direct.close();
    root.close();
  });
});
