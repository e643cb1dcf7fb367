import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, csvUrl, NOT_ANSWERING } from '../../../dashboard/src/lib/api.ts';

function answer(status: number, body: unknown) {
  const calls: { url: string; init: RequestInit }[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  });
  return calls;
}

afterEach(() => vi.unstubAllGlobals());

describe('api', () => {
  it('sends JSON and returns the answer', async () => {
    const calls = answer(201, { id: 'r1' });
    const body = { name: 'n', device: '*', type: 'nodata', after: 60, severity: 'info', enabled: true } as const;
    await expect(api.createRule(body)).resolves.toEqual({ id: 'r1' });
    expect(calls[0]!.url).toBe('/api/rules');
    expect(calls[0]!.init.method).toBe('POST');
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual(body);
  });

  it("turns an error answer into an ApiError naming the field, without repeating the field's name", async () => {
    answer(400, { error: { code: 'invalid_rule', message: 'value: value is required for op "above"', field: 'value' } });
    const err = await api
      .updateRule('r/1', { name: 'n', device: '*', type: 'nodata', after: 1, severity: 'info', enabled: true })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 400, code: 'invalid_rule', field: 'value', message: 'value is required for op "above"' });
  });

  it('copes with a 204 and with an error that is not JSON', async () => {
    const calls = answer(204, undefined);
    await expect(api.deleteRule('a b')).resolves.toBeUndefined();
    expect(calls[0]!.url).toBe('/api/rules/a%20b');
    vi.stubGlobal('fetch', async () => new Response('bad gateway', { status: 502, statusText: 'Bad Gateway' }));
    await expect(api.rules()).rejects.toMatchObject({ status: 502, code: 'http_502', field: null });
  });

  it('says the server is not answering instead of "Failed to fetch", and keeps an abort an abort', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(api.ack('a1')).rejects.toMatchObject({ status: 0, code: 'unreachable', message: NOT_ANSWERING });
    const controller = new AbortController();
    controller.abort();
    vi.stubGlobal('fetch', async () => {
      throw new DOMException('aborted', 'AbortError');
    });
    await expect(api.rules(controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('builds query strings and the CSV link', async () => {
    const calls = answer(200, []);
    await api.alerts({ state: 'active', limit: 5 });
    await api.rejected('gw:1', 20);
    await api.history('d 1', { from: '-1h', points: 300 });
    expect(calls.map((c) => c.url)).toEqual([
      '/api/alerts?state=active&limit=5',
      '/api/rejected?device=gw%3A1&limit=20',
      '/api/devices/d%201/readings?from=-1h&points=300',
    ]);
    expect(csvUrl('d1', { from: '-6h', to: 'now', metrics: ['a', 'b'] })).toBe(
      '/api/devices/d1/readings.csv?from=-6h&to=now&metrics=a%2Cb',
    );
  });

  it('pages the device list with its filter and reads the total from X-Total-Count', async () => {
    const calls: string[] = [];
    vi.stubGlobal('fetch', async (url: string) => {
      calls.push(url);
      return new Response(JSON.stringify([{ id: 'd1' }]), { status: 200, headers: { 'x-total-count': '1234' } });
    });
    await expect(
      api.listDevices({ q: 'boiler', labels: ['site:north', 'floor'], status: 'offline', limit: 200, offset: 400 }),
    ).resolves.toMatchObject({ views: [{ id: 'd1' }], total: 1234 });
    await expect(api.countDevices({ q: '', labels: [], status: 'stale' })).resolves.toBe(1234);
    expect(calls).toEqual([
      '/api/devices?q=boiler&label=site%3Anorth&label=floor&status=offline&limit=200&offset=400',
      '/api/devices?status=stale&limit=1',
    ]);
    // A server (or proxy) that drops the header: what came is taken to be everything from the offset on.
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify([{ id: 'a' }, { id: 'b' }]), { status: 200 }));
    await expect(api.listDevices({ q: '', labels: [], limit: 10, offset: 5 })).resolves.toMatchObject({ total: 7 });
  });
});
