/**
 * The device registry over the API (buildApp with the in-memory store and registry): names,
 * labels and units in the device objects, PUT /api/devices/:id (auth, validation, patching,
 * pre-registration, the `device` event), and the list's filters and pagination.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryRegistry } from '../../../store/registry.ts';
import { apiHarness, NOW, type ApiHarness } from './harness.ts';

let api: ApiHarness;
beforeEach(() => {
  api = apiHarness();
});
afterEach(async () => {
  await api.close();
});

/** A string body is sent as JSON text as is (for keys an object literal cannot hold, like __proto__). */
const put = (id: string, body: unknown) =>
  api.operator({
    method: 'PUT',
    path: `/api/devices/${id}`,
    body,
    ...(typeof body === 'string' && { headers: { 'content-type': 'application/json' } }),
  });

describe('PUT /api/devices/:id', () => {
  it('sets the operator entry over the discovered one and returns the device object', async () => {
    api.store.appendSync([{ device: 'dev-1', ts: NOW, values: { t: 21.5, h: 40 } }], NOW);
    api.registry.noteDiscovered({ device: 'dev-1', name: 'Kitchen sensor', units: { t: '°C', h: '%' } });
    const res = await put('dev-1', { name: 'Kitchen', labels: { room: 'kitchen', floor: '1' }, units: { t: 'K' } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      id: 'dev-1',
      name: 'Kitchen',
      labels: { room: 'kitchen', floor: '1' },
      units: { t: 'K', h: '%' },
      status: 'online',
      lastSeen: NOW,
      values: { t: { value: 21.5, ts: NOW }, h: { value: 40, ts: NOW } },
    });
    expect((await api.request({ path: '/api/devices/dev-1' })).json).toEqual(res.json);
    // The event says the status the store gave the PUT, not the watch's (which may not know it yet).
    expect(api.deviceEvents).toEqual([
      {
        device: 'dev-1',
        status: 'online',
        ts: NOW,
        name: 'Kitchen',
        labels: { room: 'kitchen', floor: '1' },
        units: { t: 'K', h: '%' },
      },
    ]);
    expect((await api.request({ path: '/api/devices' })).json).toEqual([res.json]);
  });

  it('leaves out what is not given, and null clears back to the discovered value', async () => {
    api.registry.noteDiscovered({ device: 'dev-1', name: 'found' });
    await put('dev-1', { name: 'mine', labels: { a: '1' } });
    expect((await put('dev-1', { units: { t: 'K' } })).json).toMatchObject({ name: 'mine', labels: { a: '1' }, units: { t: 'K' } });
    expect((await put('dev-1', { name: null, labels: null, units: null })).json).toMatchObject({ name: 'found', labels: {}, units: {} });
  });

  it('pre-registers a device Vigil has not heard from: listed with no status yet, readings empty', async () => {
    const res = await put('future-1', { name: 'Roof', labels: { site: 'b' } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      id: 'future-1',
      name: 'Roof',
      labels: { site: 'b' },
      units: {},
      status: 'stale',
      lastSeen: null,
      values: {},
    });
    expect((await api.request({ path: '/api/devices/future-1' })).status).toBe(200);
    expect((await api.request({ path: '/api/devices' })).json).toEqual([res.json]);
    const readings = await api.request({ path: '/api/devices/future-1/readings' });
    expect(readings.status).toBe(200);
    expect(readings.json).toMatchObject({ device: 'future-1', series: {} });
  });

  it('stops listing a pre-registered device once every value of it is cleared', async () => {
    await put('future-1', { name: 'Roof' });
    const cleared = await put('future-1', { name: null });
    expect(cleared.status).toBe(200);
    expect(cleared.json).toMatchObject({ id: 'future-1', name: null, labels: {}, units: {} });
    expect((await api.request({ path: '/api/devices' })).json).toEqual([]);
    expect((await api.request({ path: '/api/devices/future-1' })).status).toBe(404);
    expect((await api.request({ path: '/api/devices/future-1/readings' })).status).toBe(404);
  });

  it('announces the change as a device event carrying the entry, once', async () => {
    await put('dev-1', { name: 'A', labels: { x: 'y' } });
    await put('dev-1', { name: 'A', labels: { x: 'y' } });
    expect(api.deviceEvents).toEqual([{ device: 'dev-1', status: 'stale', ts: NOW, name: 'A', labels: { x: 'y' }, units: {} }]);
  });

  it('needs the operator token', async () => {
    const res = await api.request({ method: 'PUT', path: '/api/devices/dev-1', body: { name: 'x' } });
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ error: { code: 'unauthorized' } });
    expect(api.registry.entry('dev-1')).toBeUndefined();
  });

  it.each([
    ['an unknown field', { name: 'x', colour: 'red' }, 'colour'],
    ['a name that is not a string', { name: 5 }, 'name'],
    ['an empty name', { name: '  ' }, 'name'],
    ['a name over 256 characters', { name: 'n'.repeat(257) }, 'name'],
    ['a bad label key', { labels: { '1abc': 'x' } }, 'labels.1abc'],
    ['a __proto__ label key', '{"labels":{"__proto__":"x"}}', 'labels.__proto__'],
    ['a constructor label key', { labels: { constructor: 'x' } }, 'labels.constructor'],
    ['a __proto__ unit key', '{"units":{"__proto__":"x"}}', 'units.__proto__'],
    ['a label value over 256 characters', { labels: { a: 'v'.repeat(257) } }, 'labels.a'],
    ['a label value that is not a string', { labels: { a: 1 } }, 'labels.a'],
    ['33 labels', { labels: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) }, 'labels'],
    ['a unit for a bad metric name', { units: { 'a b': 'x' } }, 'units.a b'],
    ['a unit over 32 characters', { units: { t: 'u'.repeat(33) } }, 'units.t'],
    ['an empty unit', { units: { t: '' } }, 'units.t'],
    ['257 units', { units: Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`m${i}`, 'u'])) }, 'units'],
    ['an array', [], 'body'],
  ])('refuses %s with 400 naming the field', async (_what, body, field) => {
    const res = await put('dev-1', body);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { code: 'invalid_device', field } });
    expect((res.json as { error: { message: string } }).error.message).not.toContain('Invalid key in record');
    expect(api.registry.entry('dev-1')).toBeUndefined();
  });

  it('refuses a bad device id, a body that is not JSON and one over the limit', async () => {
    expect((await put('bad%20id', { name: 'x' })).json).toMatchObject({ error: { code: 'bad_device' } });
    expect((await put('dev-1', 'not json')).status).toBe(400);
    expect((await api.operator({ method: 'PUT', path: '/api/devices/dev-1', body: '{"name":"x"}' })).json).toMatchObject({
      error: { code: 'bad_content_type' },
    });
    const big = await put('dev-1', { name: 'x', labels: { a: 'v'.repeat(70_000) } });
    expect(big.status).toBe(413);
  });

  it('answers 503 registry_full for a new device once the registry is full', async () => {
    const full = apiHarness({}, { registry: new MemoryRegistry({ maxEntries: 1 }) });
    try {
      expect((await full.operator({ method: 'PUT', path: '/api/devices/a', body: { name: 'A' } })).status).toBe(200);
      const res = await full.operator({ method: 'PUT', path: '/api/devices/b', body: { name: 'B' } });
      expect(res.status).toBe(503);
      expect(res.json).toMatchObject({ error: { code: 'registry_full' } });
      expect(full.registry.stats().refused).toBe(1);
    } finally {
      await full.close();
    }
  });
});

describe('GET /api/devices filters and pages', () => {
  beforeEach(async () => {
    for (let i = 1; i <= 12; i++) {
      const id = `dev-${String(i).padStart(2, '0')}`;
      // dev-01..04 online, 05..08 stale (old telemetry), 09..12 offline.
      if (i <= 4) api.store.appendSync([{ device: id, ts: NOW, values: { temperature: i } }], NOW);
      else if (i <= 8) api.store.appendSync([{ device: id, ts: NOW - 600_000, values: { humidity: i } }], NOW - 600_000);
      else await api.store.recordStatus(id, 'offline', NOW - 1_000);
    }
    api.registry.setOperator('dev-01', { name: 'Boiler Room', labels: { site: 'berlin', tier: 'gold' } });
    api.registry.setOperator('dev-02', { labels: { site: 'berlin', note: 'a:b,c' } });
    api.registry.setOperator('dev-05', { labels: { site: 'paris' } });
    api.registry.noteDiscovered({ device: 'dev-09', units: { pressure: 'hPa' } });
  });

  const ids = async (query: string) => {
    const res = await api.request({ path: `/api/devices${query}` });
    expect(res.status, query).toBe(200);
    return { ids: (res.json as { id: string }[]).map((d) => d.id), total: res.headers['x-total-count'] };
  };

  it('sorts by id and tells the total in X-Total-Count', async () => {
    const all = await ids('');
    expect(all.total).toBe('12');
    expect(all.ids).toEqual([...all.ids].sort());
    expect(all.ids).toHaveLength(12);
  });

  it('pages with limit and offset, the total counting every match', async () => {
    expect(await ids('?limit=5')).toEqual({ ids: ['dev-01', 'dev-02', 'dev-03', 'dev-04', 'dev-05'], total: '12' });
    expect(await ids('?limit=5&offset=10')).toEqual({ ids: ['dev-11', 'dev-12'], total: '12' });
    expect(await ids('?offset=50')).toEqual({ ids: [], total: '12' });
  });

  it('filters by status, one or a comma list', async () => {
    expect((await ids('?status=online')).ids).toEqual(['dev-01', 'dev-02', 'dev-03', 'dev-04']);
    expect((await ids('?status=offline,stale')).total).toBe('8');
    expect((await ids('?status=offline&status=online')).total).toBe('8');
  });

  it('filters by labels, repeated ones all holding; k alone means the label is set', async () => {
    expect((await ids('?label=site:berlin')).ids).toEqual(['dev-01', 'dev-02']);
    expect((await ids('?label=site:berlin&label=tier:gold')).ids).toEqual(['dev-01']);
    expect((await ids('?label=site')).ids).toEqual(['dev-01', 'dev-02', 'dev-05']);
    expect((await ids(`?label=${encodeURIComponent('note:a:b,c')}`)).ids).toEqual(['dev-02']);
    expect((await ids('?label=site:rome')).ids).toEqual([]);
  });

  it('searches id, name, label keys and values and metric names with q, ignoring case', async () => {
    expect((await ids('?q=BOILER')).ids).toEqual(['dev-01']);
    expect((await ids('?q=paris')).ids).toEqual(['dev-05']);
    expect((await ids('?q=tier')).ids).toEqual(['dev-01']);
    expect((await ids('?q=humid')).total).toBe('4');
    expect((await ids('?q=pressure')).ids).toEqual(['dev-09']);
    expect((await ids('?q=dev-1')).ids).toEqual(['dev-10', 'dev-11', 'dev-12']);
    expect((await ids('?q=berlin&status=online&limit=1')).ids).toEqual(['dev-01']);
  });

  it.each([
    ['?limit=0', 'bad_limit'],
    ['?limit=10001', 'bad_limit'],
    ['?limit=abc', 'bad_limit'],
    ['?offset=-1', 'bad_offset'],
    ['?offset=1.5', 'bad_offset'],
    ['?status=asleep', 'bad_status'],
    ['?label=1bad:x', 'bad_label'],
    [`?q=${'x'.repeat(257)}`, 'bad_q'],
  ])('refuses %s with 400 %s', async (query, code) => {
    const res = await api.request({ path: `/api/devices${query}` });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { code } });
  });
});
