/**
 * The device registry's contract, run against both variants (in memory, and SQLite on a temp
 * file), then what only the SQLite one does: survive a reopen, and share one file between
 * processes (ingest discovering, the API setting operator values) without either undoing the other.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryRegistry, type DeviceRegistry, type RegistryOptions } from '../../../store/registry.ts';
import { SqliteRegistry } from '../../../store/registry-sqlite.ts';

const dirs: string[] = [];
const opened: DeviceRegistry[] = [];
function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-registry-'));
  dirs.push(dir);
  return join(dir, 'vigil.db');
}
function track<T extends DeviceRegistry>(r: T): T {
  opened.push(r);
  return r;
}
afterEach(() => {
  for (const r of opened.splice(0)) r.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const variants: [string, (options?: RegistryOptions) => DeviceRegistry][] = [
  ['memory', (options) => track(new MemoryRegistry(options))],
  ['sqlite', (options) => track(new SqliteRegistry(tempPath(), { ...options, syncEveryMs: 0 }))],
];

describe.each(variants)('device registry contract (%s)', (_name, open) => {
  it('has no entry for a device nobody named', () => {
    const r = open();
    expect(r.entry('dev-1')).toBeUndefined();
    expect(r.entries().size).toBe(0);
    expect(r.refresh()).toEqual([]);
  });

  it('shows operator values over discovered ones: name per field, units per metric', () => {
    const r = open();
    r.noteDiscovered({ device: 'dev-1', name: 'Kitchen sensor', units: { t: '°C', h: '%' } });
    expect(r.entry('dev-1')).toEqual({ name: 'Kitchen sensor', labels: {}, units: { t: '°C', h: '%' } });
    r.setOperator('dev-1', { name: 'Kitchen', labels: { room: 'kitchen' }, units: { t: 'K' } });
    expect(r.entry('dev-1')).toEqual({ name: 'Kitchen', labels: { room: 'kitchen' }, units: { t: 'K', h: '%' } });
    // A later discovery changes the discovered layer only; the operator still wins.
    r.noteDiscovered({ device: 'dev-1', name: 'Renamed by source', units: { t: '°F', p: 'hPa' } });
    expect(r.entry('dev-1')).toEqual({ name: 'Kitchen', labels: { room: 'kitchen' }, units: { t: 'K', h: '%', p: 'hPa' } });
    expect(r.layers('dev-1')?.discovered).toEqual({ name: 'Renamed by source', units: { t: '°F', h: '%', p: 'hPa' } });
  });

  it('patches: a field left out stays, null clears the operator value back to the discovered one', () => {
    const r = open();
    r.noteDiscovered({ device: 'dev-1', name: 'found', units: { t: '°C' } });
    r.setOperator('dev-1', { name: 'mine', labels: { a: '1' }, units: { t: 'K' } });
    expect(r.setOperator('dev-1', { labels: { b: '2' } })).toEqual({ name: 'mine', labels: { b: '2' }, units: { t: 'K' } });
    expect(r.setOperator('dev-1', { name: null, units: null })).toEqual({ name: 'found', labels: { b: '2' }, units: { t: '°C' } });
    expect(r.setOperator('dev-1', { labels: null })).toEqual({ name: 'found', labels: {}, units: { t: '°C' } });
  });

  it('pre-registers a device nobody has heard from', () => {
    const r = open();
    expect(r.setOperator('new-1', { name: 'not deployed yet' })).toEqual({ name: 'not deployed yet', labels: {}, units: {} });
    expect([...r.entries().keys()]).toEqual(['new-1']);
  });

  it('writes a discovery only when it changes something, and drops values outside the limits', () => {
    const r = open();
    r.noteDiscovered({ device: 'dev-1', name: 'a', units: { t: '°C' } });
    const writes = r.stats().writes;
    for (let i = 0; i < 100; i++) r.noteDiscovered({ device: 'dev-1', name: 'a', units: { t: '°C' } });
    r.noteDiscovered({ device: 'dev-1' });
    r.noteDiscovered({ device: 'dev-1', name: '   ', units: { 'bad metric': 'x', ok: 'y'.repeat(33), constructor: 's', t: '' } });
    r.noteDiscovered({ device: 'not a device id', name: 'x' });
    expect(r.stats().writes).toBe(writes);
    expect(r.entry('dev-1')).toEqual({ name: 'a', labels: {}, units: { t: '°C' } });
    r.noteDiscovered({ device: 'dev-1', name: 'x'.repeat(300) });
    expect(r.entry('dev-1')?.name).toBe('x'.repeat(256));
    expect(r.stats().writes).toBe(writes + 1);
  });

  it('reports each changed device once per refresh, and not a write that changed nothing shown', () => {
    const r = open();
    r.refresh();
    r.noteDiscovered({ device: 'dev-1', name: 'a' });
    r.setOperator('dev-2', { labels: { x: 'y' } });
    r.setOperator('dev-2', { labels: { x: 'z' } });
    expect(r.refresh().sort()).toEqual(['dev-1', 'dev-2']);
    expect(r.refresh()).toEqual([]);
    r.setOperator('dev-1', { name: 'b' });
    r.noteDiscovered({ device: 'dev-1', name: 'c' }); // hidden by the operator's name
    expect(r.refresh()).toEqual(['dev-1']);
    r.noteDiscovered({ device: 'dev-1', name: 'd' });
    expect(r.refresh()).toEqual([]);
  });

  it('is bounded: a new device past the cap is refused and counted, known ones still change', () => {
    const r = open({ maxEntries: 2 });
    r.setOperator('a', { name: 'A' });
    r.noteDiscovered({ device: 'b', name: 'B' });
    expect(r.setOperator('c', { name: 'C' })).toBeUndefined();
    r.noteDiscovered({ device: 'd', name: 'D' });
    expect(r.setOperator('a', { name: 'A2' })?.name).toBe('A2');
    r.noteDiscovered({ device: 'b', units: { t: 'K' } });
    expect(r.stats()).toMatchObject({ entries: 2, maxEntries: 2, refused: 2 });
    expect([...r.entries().keys()].sort()).toEqual(['a', 'b']);
  });

  it('caps discovered units at 256 metrics', () => {
    const r = open();
    const units: Record<string, string> = {};
    for (let i = 0; i < 300; i++) units[`m${i}`] = 'u';
    r.noteDiscovered({ device: 'dev-1', units });
    expect(Object.keys(r.entry('dev-1')?.units ?? {})).toHaveLength(256);
  });
});

describe('the memory registry', () => {
  it('counts a discovered value it could not write, and keeps going', () => {
    const r = new MemoryRegistry();
    r.failWrites = true;
    expect(() => r.noteDiscovered({ device: 'dev-1', name: 'a' })).not.toThrow();
    expect(r.stats()).toMatchObject({ writeErrors: 1, writes: 0, entries: 0 });
    r.failWrites = false;
    r.noteDiscovered({ device: 'dev-1', name: 'a' });
    expect(r.entry('dev-1')?.name).toBe('a');
  });
});

describe('the SQLite registry', () => {
  it('survives a reopen, both layers', () => {
    const path = tempPath();
    const first = new SqliteRegistry(path);
    first.noteDiscovered({ device: 'dev-1', name: 'found', units: { t: '°C', h: '%' } });
    first.setOperator('dev-1', { labels: { site: 'berlin' }, units: { t: 'K' } });
    first.setOperator('pre-1', { name: 'pre' });
    first.close();
    const again = track(new SqliteRegistry(path));
    expect(again.entry('dev-1')).toEqual({ name: 'found', labels: { site: 'berlin' }, units: { t: 'K', h: '%' } });
    expect(again.entry('pre-1')?.name).toBe('pre');
    // What was stored before the open is the starting point, not news.
    expect(again.refresh()).toEqual([]);
  });

  it('shares one file between processes: each writes its own layer and sees the other on refresh', () => {
    const path = tempPath();
    const ingest = track(new SqliteRegistry(path, { syncEveryMs: 0 }));
    const api = track(new SqliteRegistry(path, { syncEveryMs: 0 }));
    ingest.noteDiscovered({ device: 'dev-1', name: 'found', units: { t: '°C' } });
    // The API had not refreshed, yet its write keeps the discovered layer it never saw.
    const api2 = track(new SqliteRegistry(path, { syncEveryMs: 60_000, clock: () => 0 }));
    api2.setOperator('dev-1', { labels: { a: 'b' } });
    expect(api2.entry('dev-1')).toEqual({ name: 'found', labels: { a: 'b' }, units: { t: '°C' } });
    expect(api.refresh()).toEqual(['dev-1']);
    expect(api.entry('dev-1')).toEqual({ name: 'found', labels: { a: 'b' }, units: { t: '°C' } });
    ingest.noteDiscovered({ device: 'dev-1', units: { h: '%' } });
    expect(ingest.entry('dev-1')).toEqual({ name: 'found', labels: { a: 'b' }, units: { t: '°C', h: '%' } });
  });

  it('checks for other processes at most every syncEveryMs between refreshes', () => {
    const path = tempPath();
    let clock = 0;
    const reader = track(new SqliteRegistry(path, { syncEveryMs: 1_000, clock: () => clock }));
    const writer = track(new SqliteRegistry(path));
    reader.entry('dev-1');
    writer.setOperator('dev-1', { name: 'w' });
    expect(reader.entry('dev-1')).toBeUndefined();
    clock += 1_000;
    expect(reader.entry('dev-1')?.name).toBe('w');
    writer.setOperator('dev-1', { name: 'w2' });
    expect(reader.refresh()).toEqual(['dev-1']);
  });

  it('treats a stored map that no longer decodes as empty', () => {
    const path = tempPath();
    const r = new SqliteRegistry(path);
    r.setOperator('dev-1', { name: 'n', labels: { a: 'b' } });
    r.close();
    const db = new Database(path);
    db.prepare(`UPDATE device_registry SET op_labels = '{"a": 5}', op_units = 'not json'`).run();
    db.close();
    expect(track(new SqliteRegistry(path)).entry('dev-1')).toEqual({ name: 'n', labels: {}, units: {} });
  });
});
