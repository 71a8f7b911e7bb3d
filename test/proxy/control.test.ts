import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProxyControlClient, ProxyControlError } from '../../src/inject/proxy/control-client.js';
import { startProxyService, type ProxyService } from '../../src/inject/proxy/service.js';
import { startEtcd, type EtcdInstance } from '../support/etcd.js';

let etcd: EtcdInstance;
let service: ProxyService;
let control: ProxyControlClient;
let client: Etcd3;

beforeAll(async () => {
  etcd = await startEtcd();
  service = await startProxyService({ listen: '127.0.0.1:0', upstream: etcd.endpoint, control: '127.0.0.1:0' });
  control = new ProxyControlClient(service.control.url);
  client = new Etcd3({ hosts: `http://${service.proxy.address}` });
});

afterAll(async () => {
  client?.close();
  await service?.close(0);
  await etcd?.stop();
});

describe('control API', () => {
  it('reports health with what it forwards', async () => {
    const health = await control.health();
    expect(health).toMatchObject({ ok: true, listen: service.proxy.address, upstream: etcd.endpoint, injections: [], faultErrors: [] });
  });

  it('arms, logs and disarms an injection', async () => {
    const fault = { model: 'corrupt', variant: 'magic' } as const;
    const armed = await control.arm({ id: 'c1', channel: 'write', match: { keyPrefix: '/registry/configmaps/' }, fault });
    expect(armed).toEqual({ id: 'c1', channel: 'write', match: { keyPrefix: '/registry/configmaps/' }, trigger: {}, fault });
    await client.put('/registry/configmaps/default/a').value('abcd');
    expect(await client.get('/registry/configmaps/default/a').string()).toBe('abce');

    const { entries, next } = await control.log();
    expect(next).toBe(1);
    expect(entries).toEqual([
      expect.objectContaining({ injectionId: 'c1', channel: 'write', key: '/registry/configmaps/default/a', before: 'YWJjZA==', after: 'YWJjZQ==' }),
    ]);
    expect((await control.log(next)).entries).toEqual([]);
    expect((await control.health()).injections).toEqual([{ id: 'c1', channel: 'write', matched: 1, applied: 1, state: 'done' }]);

    await control.arm({ id: 'c2', channel: 'drop', match: { name: 'never' } });
    expect(await control.disarm('c2')).toBe(1);
    expect(await control.disarm()).toBe(0);
  });

  it('rejects an invalid injection with the path of the problem', async () => {
    const error = await control.arm({ id: 'bad', channel: 'read', match: {}, trigger: {} } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProxyControlError);
    expect((error as Error).message).toMatch(/400 injection\.fault: the read channel needs a fault$/);
    const drop = await control.arm({ id: 'bad2', channel: 'drop', match: { message: 'range' } }).catch((e: unknown) => e);
    expect((drop as Error).message).toMatch(/400 injection\.match\.message: the drop channel sees put and event messages$/);
  });

  it('rejects arming an id that is still armed', async () => {
    await control.arm({ id: 'twice', channel: 'drop', match: { name: 'never' } });
    const error = await control.arm({ id: 'twice', channel: 'drop', match: { name: 'never' } }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/400 injection twice: already armed; disarm it first or use another id$/);
    await control.disarm('twice');
  });

  it('says where it is when the control API is not there', async () => {
    const nowhere = new ProxyControlClient('http://127.0.0.1:9', 1000);
    await expect(nowhere.health()).rejects.toThrow(/GET http:\/\/127\.0\.0\.1:9\/healthz: proxy control API not reachable/);
  });
});
