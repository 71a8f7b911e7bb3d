import { existsSync } from 'node:fs';
import { Etcd3 } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { startEtcd } from '../support/etcd.js';

describe('startEtcd', () => {
  it('starts a real etcd that stores values and removes its data dir on stop', async () => {
    const etcd = await startEtcd();
    const client = new Etcd3({ hosts: etcd.endpoint });
    try {
      await client.put('/mutiny/smoke').value('ok');
      expect(await client.get('/mutiny/smoke').string()).toBe('ok');
    } finally {
      client.close();
      await etcd.stop();
    }
    expect(existsSync(etcd.dataDir)).toBe(false);
  });
});
