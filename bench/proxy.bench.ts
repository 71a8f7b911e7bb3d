import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { startEtcd } from '../test/support/etcd.js';
import { loadEtcdProtos } from '../test/support/etcd-protos.js';
import { percentile, type Benchmark } from './harness.js';

// Direct vs through an idle `mutiny proxy` (a separate process, as in the lab), against one real etcd, in one
// run. The load is shaped like kube-apiserver's traffic to etcd: small linearizable Gets, optimistic-concurrency
// Txn updates (compare mod_revision, put; else get), paginated Lists, and watch streams that receive every write.
// The client is a lean grpc-js client with pre-encoded requests, so the figures are the proxy's cost, not a
// client library's.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OBJECTS = 200;
const VALUE_BYTES = 1024;
const WATCH_STREAMS = 8;
const LATENCY_SAMPLES = 2000;
const THROUGHPUT_ROUNDS = 6;
const THROUGHPUT_SECONDS = 1.5;
const IN_FLIGHT = 64;
const CHANNELS = 4;

const root = loadEtcdProtos();
const type = (name: string) => root.lookupType(`etcdserverpb.${name}`);
const encode = (name: string, message: object) => Buffer.from(type(name).encode(type(name).fromObject(message)).finish());
const identity = (b: Buffer) => b;

const key = (i: number) => Buffer.from(`/registry/pods/ns${i % WATCH_STREAMS}/pod-${i}`);
const value = Buffer.alloc(VALUE_BYTES, 0x61);
const getRequests = Array.from({ length: OBJECTS }, (_, i) => encode('RangeRequest', { key: key(i), limit: 1 }));
const listRequest = encode('RangeRequest', { key: Buffer.from('/registry/pods/ns0/'), range_end: Buffer.from('/registry/pods/ns00'), limit: 10 });
/** An apiserver update: Txn{MOD(key) > 0; Put(key, value)} else Range(key); the compare always holds here. */
const txnRequests = Array.from({ length: OBJECTS }, (_, i) =>
  encode('TxnRequest', {
    compare: [{ key: key(i), target: 'Mod', result: 'Greater', mod_revision: 0 }],
    success: [{ request_put: { key: key(i), value } }],
    failure: [{ request_range: { key: key(i) } }],
  }),
);

/** One request of the mix: 45% Get, 45% Txn update, 10% List page. */
function request(n: number): [string, Buffer] {
  const slot = n % 20;
  const i = (n * 7919) % OBJECTS;
  if (slot < 9) return ['/etcdserverpb.KV/Range', getRequests[i]];
  if (slot < 18) return ['/etcdserverpb.KV/Txn', txnRequests[i]];
  return ['/etcdserverpb.KV/Range', listRequest];
}

function unary(client: grpc.Client, method: string, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(method, identity, identity, body, (error) => (error ? reject(error) : resolve()));
  });
}

interface Target {
  name: string;
  clients: grpc.Client[];
  watchEvents: number;
  watches: grpc.ClientDuplexStream<Buffer, Buffer>[];
}

function openTarget(name: string, address: string): Target {
  const clients = Array.from({ length: CHANNELS }, (_, i) =>
    // Distinct channel arguments give each client its own connection, like the apiserver's per-resource clients.
    new grpc.Client(address, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': -1, 'mutiny.bench.channel': i }),
  );
  const target: Target = { name, clients, watchEvents: 0, watches: [] };
  const WatchResponse = type('WatchResponse');
  for (let s = 0; s < WATCH_STREAMS; s++) {
    const stream = clients[s % CHANNELS].makeBidiStreamRequest<Buffer, Buffer>('/etcdserverpb.Watch/Watch', identity, identity);
    stream.on('data', (message: Buffer) => {
      target.watchEvents += (WatchResponse.decode(message) as unknown as { events: unknown[] }).events.length;
    });
    stream.on('error', () => undefined);
    stream.write(encode('WatchRequest', { create_request: { key: Buffer.from(`/registry/pods/ns${s}/`), range_end: Buffer.from(`/registry/pods/ns${s}0`), prev_kv: true } }));
    target.watches.push(stream);
  }
  return target;
}

function closeTarget(target: Target): void {
  for (const stream of target.watches) stream.cancel();
  for (const client of target.clients) client.close();
}

/** One request at a time, alternating between the two paths so that drift on the shared cores hits both alike. */
async function pairedLatencies(a: Target, b: Target, samples: number): Promise<[number[], number[]]> {
  const out: [number[], number[]] = [[], []];
  for (let n = 0; n < samples; n++) {
    const [method, body] = request(n);
    for (const [side, target] of [a, b].entries()) {
      const start = process.hrtime.bigint();
      await unary(target.clients[n % CHANNELS], method, body);
      out[side].push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
  return out;
}

async function throughput(target: Target, seconds: number): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  let n = 0;
  const worker = async (w: number) => {
    while (performance.now() < deadline) {
      const [method, body] = request(n++);
      await unary(target.clients[w % CHANNELS], method, body);
      done++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, (_, w) => worker(w)));
  return done / ((performance.now() - started) / 1000);
}

async function startProxyProcess(upstream: string): Promise<{ child: ChildProcess; listen: string }> {
  const script = `import('./src/cli/main.ts').then((m) => m.main(process.argv.slice(1)))`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script, 'proxy', '--upstream', upstream, '--json'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`mutiny proxy exited with ${code} before printing its address`)));
  });
  return { child, listen: (JSON.parse(line) as { listen: string }).listen };
}

const fmt = (n: number, digits = 2) => n.toFixed(digits);

/** User + system CPU seconds a process has used (Linux /proc). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** (1) The apiserver-shaped request mix, direct vs through the proxy process. */
async function requestMix(): Promise<string> {
  const etcd = await startEtcd();
  const { child, listen } = await startProxyProcess(etcd.endpoint);
  const direct = openTarget('direct', etcd.endpoint.replace(/^http:\/\//, ''));
  const proxied = openTarget('proxy', listen);
  try {
    // Seed the objects, then warm both paths up (JIT, connections).
    for (let i = 0; i < OBJECTS; i++) await unary(direct.clients[0], '/etcdserverpb.KV/Put', encode('PutRequest', { key: key(i), value }));
    await pairedLatencies(direct, proxied, 300);
    await throughput(proxied, 1);

    const [directLatency, proxyLatency] = await pairedLatencies(direct, proxied, LATENCY_SAMPLES);
    // Short alternating rounds; the ratio is the median of per-round ratios (robust to load from other work).
    const rate = { direct: [] as number[], proxy: [] as number[] };
    const ratios: number[] = [];
    const cpuBefore = cpuSeconds(child.pid!);
    let proxiedRequests = 0;
    for (let round = 0; round < THROUGHPUT_ROUNDS; round++) {
      rate.direct.push(await throughput(direct, THROUGHPUT_SECONDS));
      rate.proxy.push(await throughput(proxied, THROUGHPUT_SECONDS));
      proxiedRequests += rate.proxy[round] * THROUGHPUT_SECONDS;
      ratios.push(rate.proxy[round] / rate.direct[round]);
    }
    const cpuPerRequestUs = ((cpuSeconds(child.pid!) - cpuBefore) / proxiedRequests) * 1e6;
    await new Promise((r) => setTimeout(r, 500));
    const eventsBefore = { direct: direct.watchEvents, proxy: proxied.watchEvents };
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const p50 = { direct: percentile(directLatency, 50), proxy: percentile(proxyLatency, 50) };
    const p99 = { direct: percentile(directLatency, 99), proxy: percentile(proxyLatency, 99) };
    const ratio = percentile(ratios, 50);
    const added = p50.proxy - p50.direct;
    const load = os.loadavg()[0];
    return [
      `Request mix: ${OBJECTS} objects of ${VALUE_BYTES} B under /registry/pods/; mix 45% Get (Range limit 1), 45% Txn update`,
      `(compare mod_revision, put, else get), 10% List page (Range prefix, limit 10); ${WATCH_STREAMS} watch streams`,
      `(prev_kv) receive every write. ${CHANNELS} client connections per path; latency = one request at a time`,
      `(${LATENCY_SAMPLES} samples, alternating paths request by request); throughput = ${IN_FLIGHT} in flight, ${THROUGHPUT_ROUNDS} alternating`,
      `rounds of ${THROUGHPUT_SECONDS} s per path, ratio = median of per-round ratios. The proxy is a separate \`mutiny proxy\``,
      `process with nothing armed; etcd 3.4.23, the proxy and this client share the machine (1-min load average at the`,
      `end: ${load.toFixed(1)}, other work included).`,
      '',
      '| path | p50 ms | p99 ms | throughput req/s | watch events received |',
      '|---|---|---|---|---|',
      `| direct | ${fmt(p50.direct, 3)} | ${fmt(p99.direct, 3)} | ${fmt(mean(rate.direct), 0)} | ${eventsBefore.direct} |`,
      `| proxy | ${fmt(p50.proxy, 3)} | ${fmt(p99.proxy, 3)} | ${fmt(mean(rate.proxy), 0)} | ${eventsBefore.proxy} |`,
      '',
      '| figure | measured | target | |',
      '|---|---|---|---|',
      `| p50 added latency | ${fmt(added, 3)} ms | < 0.5 ms | ${added < 0.5 ? 'met' : 'missed'} |`,
      `| saturated throughput, proxy / direct | ${fmt(ratio * 100, 0)}% (rounds: ${ratios.map((r) => fmt(r * 100, 0)).join(', ')}) | >= 50% | ${ratio >= 0.5 ? 'met' : 'missed'} |`,
      `| proxy CPU per forwarded request | ${fmt(cpuPerRequestUs, 0)} µs | | |`,
    ].join('\n');
  } finally {
    closeTarget(direct);
    closeTarget(proxied);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await etcd.stop();
  }
}

const LAB_RUNS = 24;

/**
 * (2) Workload convergence on two real labs, one without and one with the idle proxy (the proxy process the lab
 * starts runs the built `dist/`: `npm run build` first), runs alternating between them with a reset before each.
 */
async function labConvergence(): Promise<string> {
  const { missingBinaries } = await import('../src/lab/binaries.js');
  const missing = missingBinaries();
  if (missing.length > 0) return `Lab convergence: not measured, lab binaries missing (${missing.join(', ')}); run \`mutiny lab build\`.`;
  const built = path.join(ROOT, 'dist', 'inject', 'proxy', 'etcd-proxy.js');
  const source = path.join(ROOT, 'src', 'inject', 'proxy', 'etcd-proxy.ts');
  if (!existsSync(built) || statSync(built).mtimeMs < statSync(source).mtimeMs) {
    throw new Error(`${path.relative(ROOT, built)} is missing or older than its source; run \`npm run build\` first (the lab runs the built proxy)`);
  }
  const { upLab } = await import('../src/lab/up.js');
  const { downLab } = await import('../src/lab/down.js');
  const { resetLab } = await import('../src/lab/reset.js');
  const { runWorkload } = await import('../src/lab/workloads.js');
  const base = mkdtempSync(path.join(os.tmpdir(), 'mutiny-proxy-bench-'));
  const labs = { direct: path.join(base, 'direct'), proxy: path.join(base, 'proxy') };
  try {
    const states = {
      direct: await upLab({ dir: labs.direct, nodes: 2 }),
      proxy: await upLab({ dir: labs.proxy, nodes: 2, proxy: true }),
    };
    const times: Record<'direct' | 'proxy', Record<string, number[]>> = { direct: {}, proxy: {} };
    const workloads = ['deploy', 'scale', 'failover'] as const;
    for (let run = 0; run < LAB_RUNS; run++) {
      const kind = workloads[run % workloads.length];
      for (const side of run % 2 === 0 ? (['direct', 'proxy'] as const) : (['proxy', 'direct'] as const)) {
        const state = states[side];
        await resetLab(state);
        const observation = await runWorkload(state, { kind, namespace: state.experimentNamespace, replicas: 3, timeoutMs: 60_000 });
        if (observation.convergenceMs === null) throw new Error(`${kind} did not converge on the ${side} lab`);
        (times[side][kind] ??= []).push(observation.convergenceMs);
      }
    }
    const median = (xs: number[]) => percentile(xs, 50);
    const rows = workloads.map((kind) => {
      const direct = median(times.direct[kind]);
      const proxied = median(times.proxy[kind]);
      const spread = (percentile(times.direct[kind], 75) - percentile(times.direct[kind], 25)) / direct;
      return `| ${kind} | ${times.direct[kind].length} | ${fmt(direct, 0)} | ${fmt(proxied, 0)} | ${fmt((proxied / direct - 1) * 100, 1)}% | ±${fmt((spread / 2) * 100, 0)}% |`;
    });
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const overall = sum(workloads.map((k) => median(times.proxy[k]))) / sum(workloads.map((k) => median(times.direct[k]))) - 1;
    // Run-to-run noise of the direct lab itself (half the interquartile range, relative to the median, averaged
    // over workloads): a difference smaller than that cannot be told from noise.
    const noise = sum(workloads.map((k) => (percentile(times.direct[k], 75) - percentile(times.direct[k], 25)) / 2 / median(times.direct[k]))) / workloads.length;
    const verdict = Math.abs(overall) <= 0.05 ? 'met' : noise > 0.05 && Math.abs(overall) <= noise ? `inconclusive: within the ±${fmt(noise * 100, 0)}% run-to-run noise` : 'missed';
    return [
      `Lab convergence: two labs (Kubernetes v1.34.2, 2 kwok nodes) up at once, one with \`--proxy\`; ${LAB_RUNS} runs per lab`,
      `alternating between the labs (the paper's three workloads in turn, 3 replicas), \`lab reset\` before each;`,
      'convergence as the lab reports it (every phase: deployment, pods, endpoints). Noise = half the interquartile',
      'range of the direct runs, relative to their median.',
      '',
      '| workload | runs per lab | direct median ms | proxy median ms | difference | direct noise |',
      '|---|---|---|---|---|---|',
      ...rows,
      '',
      '| figure | measured | target | |',
      '|---|---|---|---|',
      `| convergence time (sum of medians), proxy vs direct | ${overall >= 0 ? '+' : ''}${fmt(overall * 100, 1)}% | within 5% | ${verdict} |`,
    ].join('\n');
  } finally {
    await downLab(labs.direct).catch(() => undefined);
    await downLab(labs.proxy).catch(() => undefined);
    rmSync(base, { recursive: true, force: true });
  }
}

const bench: Benchmark = {
  name: 'proxy',
  title: 'Injection proxy overhead: direct etcd vs through the idle proxy',
  async run() {
    const mix = await requestMix();
    const lab = await labConvergence();
    return `${mix}\n\n${lab}`;
  },
};

export default bench;
