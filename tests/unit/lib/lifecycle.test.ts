import { describe, expect, it } from 'vitest';
import { idempotent, Resources, startWith } from '../../../lib/lifecycle.ts';

describe('idempotent', () => {
  it('runs the stop function once, however often and concurrently it is called', async () => {
    let calls = 0;
    const stop = idempotent(async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 10));
    });
    const first = stop();
    expect(stop()).toBe(first);
    await Promise.all([first, stop(), stop()]);
    await stop();
    expect(calls).toBe(1);
  });

  it('reports a failed stop to every caller without retrying it', async () => {
    let calls = 0;
    const stop = idempotent(async () => {
      calls++;
      throw new Error('close failed');
    });
    await expect(stop()).rejects.toThrow('close failed');
    await expect(stop()).rejects.toThrow('close failed');
    expect(calls).toBe(1);
  });
});

describe('Resources', () => {
  it('releases last-opened-first, including async cleanups', async () => {
    const order: string[] = [];
    const resources = new Resources();
    resources.defer(() => order.push('a'));
    const b = await resources.open(Promise.resolve('b'), async (value) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push(value);
    });
    expect(b).toBe('b');
    resources.defer(() => order.push('c'));
    await resources.release();
    expect(order).toEqual(['c', 'b', 'a']);
  });

  it('keeps releasing after a cleanup throws, then rethrows the first error', async () => {
    const order: string[] = [];
    const resources = new Resources();
    resources.defer(() => order.push('first-opened'));
    resources.defer(() => {
      order.push('throws-2');
      throw new Error('second failure');
    });
    resources.defer(() => order.push('middle'));
    resources.defer(async () => {
      order.push('throws-1');
      throw new Error('first failure');
    });
    resources.defer(() => order.push('last-opened'));
    await expect(resources.release()).rejects.toThrow('first failure');
    expect(order).toEqual(['last-opened', 'throws-1', 'middle', 'throws-2', 'first-opened']);
  });

  it('does not register a cleanup for a resource that failed to open', async () => {
    const cleaned: string[] = [];
    const resources = new Resources();
    await expect(resources.open(Promise.reject(new Error('no')), () => cleaned.push('x'))).rejects.toThrow('no');
    await resources.release();
    expect(cleaned).toEqual([]);
  });

  it('runs each cleanup only once across releases', async () => {
    let count = 0;
    const resources = new Resources();
    resources.defer(() => count++);
    await resources.release();
    await resources.release();
    expect(count).toBe(1);
  });
});

describe('startWith', () => {
  it('unwinds what was opened, in reverse order, when start fails half-way, and rethrows the start error', async () => {
    const order: string[] = [];
    const failure = new Error('port in use');
    const starting = startWith(async (resources) => {
      resources.defer(() => order.push('broker'));
      resources.defer(() => {
        order.push('store');
        throw new Error('store close failed too');
      });
      await resources.open('server', (name) => order.push(name));
      throw failure;
    });
    await expect(starting).rejects.toBe(failure);
    expect(order).toEqual(['server', 'store', 'broker']);
  });

  it('returns the value with an idempotent stop that releases everything once', async () => {
    const order: string[] = [];
    const handle = await startWith(async (resources) => {
      resources.defer(() => order.push('one'));
      resources.defer(async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        order.push('two');
      });
      return { url: 'mqtt://127.0.0.1:1' };
    });
    expect(handle.url).toBe('mqtt://127.0.0.1:1');
    expect(order).toEqual([]);
    await Promise.all([handle.stop(), handle.stop()]);
    await handle.stop();
    expect(order).toEqual(['two', 'one']);
  });

  it("stop() rejects with a cleanup's error after running the other cleanups", async () => {
    const order: string[] = [];
    const handle = await startWith(async (resources) => {
      resources.defer(() => order.push('kept'));
      resources.defer(() => {
        throw new Error('boom');
      });
      return {};
    });
    await expect(handle.stop()).rejects.toThrow('boom');
    expect(order).toEqual(['kept']);
  });
});
