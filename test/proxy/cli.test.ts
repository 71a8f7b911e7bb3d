import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProxyControlClient } from '../../src/inject/proxy/control-client.js';
import { startEtcd, type EtcdInstance } from '../support/etcd.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs `mutiny ARGS` from source in a child process, as the lab runs it (a process of its own). */
function mutiny(args: string[]) {
  const script = `import('./src/cli/main.ts').then((m) => m.main(process.argv.slice(1)))`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

let etcd: EtcdInstance;

beforeAll(async () => {
  etcd = await startEtcd();
});

afterAll(async () => {
  await etcd?.stop();
});

describe('mutiny proxy', () => {
  it('prints what it bound, proxies and serves its control API until SIGTERM', async () => {
    const run = mutiny(['proxy', '--upstream', etcd.endpoint, '--json']);
    const line = await new Promise<string>((resolve) => createInterface({ input: run.child.stdout }).once('line', resolve));
    const bound = JSON.parse(line) as { listen: string; control: string; upstream: string; pid: number };
    expect(bound.upstream).toBe(etcd.endpoint);
    expect(bound.listen).toMatch(/^127\.0\.0\.1:\d+$/);

    const client = new Etcd3({ hosts: `http://${bound.listen}` });
    await client.put('/cli').value('through the proxy process');
    expect(await client.get('/cli').string()).toBe('through the proxy process');
    client.close();
    expect((await new ProxyControlClient(bound.control).health()).stats.calls).toBeGreaterThanOrEqual(2);

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.stderr()).toMatch(/^proxy stopped \(SIGTERM\); \d+ calls forwarded, 0 injections applied\n$/);
  });

  it('refuses a TLS upstream in one line', async () => {
    const run = mutiny(['proxy', '--upstream', 'https://127.0.0.1:2379']);
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toBe("error: --upstream https://127.0.0.1:2379: TLS upstreams are not supported; point the proxy at etcd's http:// client URL\n");
  });
});
