import { describe, expect, it } from 'vitest';
import { Injector, parseInjection } from '../../src/inject/proxy/injection.js';

const KEY = '/registry/configmaps/default/c';
const put = (value: string, key = KEY) => ({ message: 'put' as const, key, value: Buffer.from(value), revision: null });
const CORRUPT = { model: 'corrupt', variant: 'magic' } as const;

function clocked() {
  let now = 0;
  const injector = new Injector(() => now);
  return { injector, advance: (ms: number) => (now += ms) };
}

describe('Injector', () => {
  it('is idle until armed and after a one-shot fired', () => {
    const { injector } = clocked();
    expect([injector.watchesWrites, injector.watchesReads]).toEqual([false, false]);
    injector.arm({ id: 'a', channel: 'write', fault: CORRUPT });
    expect([injector.watchesWrites, injector.watchesReads]).toEqual([true, false]);
    expect(injector.decide(put('abcd'))).toMatchObject({ action: 'replace', value: Buffer.from('abce') });
    expect(injector.watchesWrites).toBe(false);
    expect(injector.decide(put('abcd'))).toEqual({ action: 'keep' });
  });

  it('fires on every match for everyForMs from the nth match on, then goes idle by itself', () => {
    const { injector, advance } = clocked();
    injector.arm({ id: 'w', channel: 'write', trigger: { nth: 2, everyForMs: 1000 }, fault: CORRUPT });
    const actions = () => injector.decide(put('abcd')).action;
    expect(actions()).toBe('keep');
    expect(actions()).toBe('replace');
    advance(999);
    expect(actions()).toBe('replace');
    advance(1);
    expect(injector.watchesWrites).toBe(false);
    expect(actions()).toBe('keep');
    expect(injector.status()).toEqual([{ id: 'w', channel: 'write', matched: 3, applied: 2, state: 'done' }]);
  });

  it('matches namespace and name globs on the key and leaves protected keys alone', () => {
    const { injector } = clocked();
    injector.arm({ id: 'g', channel: 'drop', match: { namespace: 'exp-?', name: 'web-*' }, trigger: { everyForMs: 60_000 } });
    expect(injector.decide(put('x', '/registry/pods/exp-1/web-0')).action).toBe('remove');
    expect(injector.decide(put('x', '/registry/pods/exp-12/web-0')).action).toBe('keep');
    expect(injector.decide(put('x', '/registry/pods/exp-1/db-0')).action).toBe('keep');
    expect(injector.decide(put('x', '/registry/health')).action).toBe('keep');
  });

  it('turns a delete fault into a delete, and drops on the drop channel', () => {
    const { injector } = clocked();
    injector.arm({ id: 'd', channel: 'write', fault: { model: 'delete' } });
    expect(injector.decide(put('x')).action).toBe('delete');
    injector.arm({ id: 'x', channel: 'drop' });
    expect(injector.decide(put('x')).action).toBe('remove');
    expect(injector.log().map((e) => [e.injectionId, e.after])).toEqual([['d', null], ['x', null]]);
  });

  it('disarms one or all', () => {
    const { injector } = clocked();
    injector.arm({ id: 'a', channel: 'read', fault: CORRUPT });
    injector.arm({ id: 'b', channel: 'write', fault: CORRUPT });
    expect(injector.disarm('a')).toBe(1);
    expect([injector.watchesWrites, injector.watchesReads]).toEqual([true, false]);
    expect(injector.disarm()).toBe(1);
    expect(injector.watchesWrites).toBe(false);
  });
});

describe('parseInjection', () => {
  it.each([
    [{ id: 'a', channel: 'sideways', fault: CORRUPT }, /^injection\.channel: /],
    [{ id: 'a', channel: 'write' }, /^injection\.fault: the write channel needs a fault$/],
    [{ id: 'a', channel: 'drop', fault: CORRUPT }, /^injection\.fault\.model: the drop channel only takes model "drop"/],
    [{ id: 'a', channel: 'write', match: { message: 'event' }, fault: CORRUPT }, /^injection\.match\.message: the write channel sees put messages$/],
    [{ id: 'a', channel: 'write', trigger: { nth: 0 }, fault: CORRUPT }, /^injection\.trigger\.nth: /],
    [{ id: 'a', channel: 'write', fault: CORRUPT, extra: 1 }, /^injection: /],
  ])('rejects %j', (input, message) => {
    expect(() => parseInjection(input)).toThrow(message);
  });
});
