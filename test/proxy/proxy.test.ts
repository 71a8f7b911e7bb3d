import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { Etcd3, type Watcher } from 'etcd3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EtcdProxy } from '../../src/inject/proxy/etcd-proxy.js';
import { startEtcd, type EtcdInstance } from '../support/etcd.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'proxy');
const deployment = readFileSync(path.join(fixtures, 'deployment.pb'));
const DEPLOYMENT_KEY = '/registry/deployments/default/web';

let etcd: EtcdInstance;
let proxy: EtcdProxy;
let direct: Etcd3;
let viaProxy: Etcd3;

beforeAll(async () => {
  etcd = await startEtcd();
  proxy = await EtcdProxy.start({ listen: '127.0.0.1:0', upstream: etcd.endpoint });
  // The clients lift grpc-js's 4 MiB receive limit like the apiserver's Go client does (MaxInt32).
  const grpcOptions = { 'grpc.max_receive_message_length': -1 };
  direct = new Etcd3({ hosts: etcd.endpoint, grpcOptions });
  viaProxy = new Etcd3({ hosts: `http://${proxy.address}`, grpcOptions });
});

afterAll(async () => {
  viaProxy?.close();
  direct?.close();
  await proxy?.close(0);
  await etcd?.stop();
});

afterEach(async () => {
  proxy.injector.disarm();
  await direct.delete().prefix('/');
});

function flipBit(bytes: Buffer, bit: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[bit >> 3] ^= 1 << (bit & 7);
  return copy;
}

/** Writes like kube-apiserver's create: Txn{MOD(key)==0; Put(key, value)}. */
async function apiserverCreate(client: Etcd3, key: string, value: Buffer) {
  return client.if(key, 'Mod', '==', 0).then(client.put(key).value(value)).commit();
}

/** Collects the WatchResponses and put/delete events a watcher delivers. */
function record(watcher: Watcher) {
  const responses: { events: number }[] = [];
  const events: { type: string; key: string; value: Buffer; prevValue?: Buffer }[] = [];
  watcher.on('data', (res) => responses.push({ events: res.events.length }));
  watcher.on('put', (kv, prev) => events.push({ type: 'put', key: kv.key.toString(), value: kv.value, prevValue: prev?.value }));
  watcher.on('delete', (kv, prev) => events.push({ type: 'delete', key: kv.key.toString(), value: kv.value, prevValue: prev?.value }));
  return { responses, events };
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('passthrough (no injection armed)', () => {
  it('forwards put, get, txn, delete byte-exact', async () => {
    await viaProxy.put(DEPLOYMENT_KEY).value(deployment);
    expect(Buffer.compare(await direct.get(DEPLOYMENT_KEY).buffer() as Buffer, deployment)).toBe(0);
    expect(Buffer.compare(await viaProxy.get(DEPLOYMENT_KEY).buffer() as Buffer, deployment)).toBe(0);

    const conflict = await viaProxy.if(DEPLOYMENT_KEY, 'Mod', '==', 0).then(viaProxy.put(DEPLOYMENT_KEY).value('x')).else(viaProxy.get(DEPLOYMENT_KEY)).commit();
    expect(conflict.succeeded).toBe(false);
    expect(Buffer.compare(conflict.responses[0].response_range!.kvs[0].value, deployment)).toBe(0);

    const list = await viaProxy.getAll().prefix('/registry/').count();
    expect(list).toBe(1);
    expect((await viaProxy.delete().key(DEPLOYMENT_KEY)).deleted).toBe('1');
    expect(await direct.get(DEPLOYMENT_KEY).buffer()).toBeNull();
    expect(proxy.stats.patchErrors).toBe(0);
  });

  it('forwards a Range response larger than the 4 MiB gRPC default', async () => {
    const big = Buffer.alloc(1024 * 1024, 7);
    for (let i = 0; i < 5; i++) await direct.put(`/big/${i}`).value(big);
    const all = await viaProxy.getAll().prefix('/big/').buffers();
    expect(Object.keys(all)).toHaveLength(5);
    expect(Object.values(all).every((value) => Buffer.compare(value, big) === 0)).toBe(true);
  });

  it('forwards watch, lease and status', async () => {
    const watcher = await viaProxy.watch().prefix('/w/').withPreviousKV().create();
    const seen = record(watcher);
    await direct.put('/w/a').value('1');
    await direct.put('/w/a').value('2');
    await direct.delete().key('/w/a');
    await until(() => seen.events.length === 3, 'three watch events');
    expect(seen.events.map((e) => `${e.type} ${e.value.toString()} ${e.prevValue?.toString() ?? '-'}`)).toEqual(['put 1 -', 'put 2 1', 'delete  2']);
    await watcher.cancel();

    const lease = viaProxy.lease(30, { autoKeepAlive: false });
    const id = await lease.grant();
    // Lease ids are int64 above 2^53: they must arrive as exact decimal strings.
    expect(id).toMatch(/^\d+$/);
    await lease.put('/leased').value('v');
    const leased = await direct.get('/leased').exec();
    expect(leased.kvs[0].lease).toBe(id);
    await lease.revoke();
    expect(await direct.get('/leased').string()).toBeNull();

    const status = await viaProxy.maintenance.status();
    expect(status.version).toBe('3.4.23');
  });

  it('forwards etcd errors with their exact status and message', async () => {
    const directError = await direct.get('/x').revision(1_000_000).exec().catch((error: Error) => error);
    const proxiedError = await viaProxy.get('/x').revision(1_000_000).exec().catch((error: Error) => error);
    expect(proxiedError).toBeInstanceOf(Error);
    expect((proxiedError as Error).message).toBe((directError as Error).message);
    expect((proxiedError as Error).message).toContain('required revision is a future revision');
  });
});

describe('watch cancellation', () => {
  async function etcdGauge(name: string): Promise<number> {
    const text = await (await fetch(`${etcd.endpoint}/metrics`)).text();
    const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
    if (!match) throw new Error(`etcd /metrics has no ${name}`);
    return Number(match[1]);
  }

  async function eventually(read: () => Promise<number>, expected: number, what: string): Promise<void> {
    const deadline = Date.now() + 5000;
    let value = await read();
    while (value !== expected) {
      if (Date.now() > deadline) throw new Error(`${what}: ${value}, expected ${expected}`);
      await new Promise((r) => setTimeout(r, 50));
      value = await read();
    }
  }

  it('cancelling a watch through the proxy cancels it in etcd', async () => {
    const watcher = await viaProxy.watch().prefix('/c/').create();
    await eventually(() => etcdGauge('etcd_debugging_mvcc_watcher_total'), 1, 'etcd watchers while watching');
    await watcher.cancel();
    await eventually(() => etcdGauge('etcd_debugging_mvcc_watcher_total'), 0, 'etcd watchers after cancel');
  });

  it('a client that dies leaves no watch stream upstream', async () => {
    // A separate process, killed: its connection drops without a cancel, as when an apiserver crashes.
    const script = `const { Etcd3 } = require('etcd3');
      const client = new Etcd3({ hosts: process.argv[1] });
      Promise.all([client.watch().prefix('/c/').create(), client.watch().prefix('/d/').create()]).then(() => console.log('watching'));`;
    const child = spawn(process.execPath, ['-e', script, `http://${proxy.address}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => child.stdout.once('data', resolve));
    await eventually(() => etcdGauge('etcd_debugging_mvcc_watch_stream_total'), 1, 'etcd watch streams while watching');
    await eventually(() => etcdGauge('etcd_debugging_mvcc_watcher_total'), 2, 'etcd watchers while watching');
    child.kill('SIGKILL');
    await eventually(() => etcdGauge('etcd_debugging_mvcc_watch_stream_total'), 0, 'etcd watch streams after the client died');
    await eventually(() => etcdGauge('etcd_debugging_mvcc_watcher_total'), 0, 'etcd watchers after the client died');
    expect(proxy.stats.openUpstreamCalls).toBe(0);
  });
});

describe('when etcd is gone', () => {
  const identity = (b: Buffer) => b;
  // RangeRequest{key: "/"} and WatchRequest{create_request{key: "/"}}.
  const rangeAll = Buffer.from([0x0a, 0x01, 0x2f]);
  const watchAll = Buffer.from([0x0a, 0x03, 0x0a, 0x01, 0x2f]);

  it('answers UNAVAILABLE when etcd cannot be reached', async () => {
    const dead = await EtcdProxy.start({ listen: '127.0.0.1:0', upstream: 'http://127.0.0.1:9' });
    const client = new grpc.Client(dead.address, grpc.credentials.createInsecure());
    const error = await new Promise<grpc.ServiceError>((resolve) =>
      client.makeUnaryRequest('/etcdserverpb.KV/Range', identity, identity, rangeAll, (e) => resolve(e!)),
    );
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    expect(error.details).toMatch(/^mutiny proxy: etcd at http:\/\/127\.0\.0\.1:9 closed the call|^mutiny proxy: cannot reach etcd/);
    client.close();
    await dead.close(0);
  });

  it('reconnects on the same client connection once etcd is back (lab reset restarts etcd)', async () => {
    const port = await freePort();
    const peerPort = await freePort();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mutiny-proxy-etcd-'));
    const endpoint = `http://127.0.0.1:${port}`;
    const startFixedEtcd = async () => {
      const child = spawn('etcd', ['--data-dir', dataDir, '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
        '--listen-peer-urls', `http://127.0.0.1:${peerPort}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
        '--initial-cluster', `default=http://127.0.0.1:${peerPort}`, '--log-level', 'error', '--logger', 'zap'], { stdio: 'ignore' });
      const deadline = Date.now() + 20_000;
      while (!(await fetch(`${endpoint}/health`).then((r) => r.ok, () => false))) {
        if (Date.now() > deadline) throw new Error('etcd did not come up');
        await new Promise((r) => setTimeout(r, 50));
      }
      return child;
    };
    const restartingProxy = await EtcdProxy.start({ listen: '127.0.0.1:0', upstream: endpoint });
    const client = new grpc.Client(restartingProxy.address, grpc.credentials.createInsecure());
    const range = () => new Promise<grpc.ServiceError | null>((resolve) => client.makeUnaryRequest('/etcdserverpb.KV/Range', identity, identity, rangeAll, (e) => resolve(e)));
    try {
      expect((await range())?.code).toBe(grpc.status.UNAVAILABLE);
      let child = await startFixedEtcd();
      expect(await range()).toBeNull();
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      expect((await range())?.code).toBe(grpc.status.UNAVAILABLE);
      child = await startFixedEtcd();
      expect(await range()).toBeNull();
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    } finally {
      client.close();
      await restartingProxy.close(0);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('ends a watch when etcd dies under it', async () => {
    const doomed = await startEtcd();
    const doomedProxy = await EtcdProxy.start({ listen: '127.0.0.1:0', upstream: doomed.endpoint });
    const client = new grpc.Client(doomedProxy.address, grpc.credentials.createInsecure());
    const stream = client.makeBidiStreamRequest<Buffer, Buffer>('/etcdserverpb.Watch/Watch', identity, identity);
    stream.on('error', () => undefined);
    const created = new Promise((resolve) => stream.once('data', resolve));
    const status = new Promise<grpc.StatusObject>((resolve) => stream.on('status', resolve));
    stream.write(watchAll);
    await created;
    await doomed.stop();
    expect((await status).code).not.toBe(grpc.status.OK);
    expect(doomedProxy.stats.openUpstreamCalls).toBe(0);
    client.close();
    await doomedProxy.close(0);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
