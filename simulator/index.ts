/**
 * The simulator as a library: start(options) connects one MQTT client per device and drives them
 * from one scheduler loop until --count or --duration is reached, or stop() is called.
 */
import { idempotent, startWith, type Handle } from '../lib/lifecycle.ts';
import { RateLimitedLog, silentLogger, type Logger } from '../lib/logger.ts';
import { statusTopic, telemetryTopic } from '../domain/topics.ts';
import { DeviceConnection } from './connection.ts';
import { FORMATS, type OutMessage } from './formats/index.ts';
import { SimDevice } from './device.ts';
import { payloadFault, type FaultKind } from './faults.ts';
import { DEFAULT_OPTIONS, validateOptions, type SimulatorOptions } from './options.ts';
import { Scheduler, type TurnResult } from './scheduler.ts';
import { Counters, RateMeter, summarize, type SimulatorStats, type SimulatorSummary, type StopCause } from './stats.ts';

export { DEFAULT_OPTIONS, parseArgs, type SimulatorOptions } from './options.ts';
export type { SimulatorStats, SimulatorSummary } from './stats.ts';
export { DEFAULT_RULES } from './signals.ts';

export interface SimulatorHandle extends Handle {
  /** Resolves with the summary once the run ends: --count or --duration reached, or stop(). */
  readonly done: Promise<SimulatorSummary>;
  stats(): SimulatorStats;
  /** The device ids, in order: sim-001, sim-002, ... */
  readonly deviceIds: readonly string[];
}

/** Publishes one device may have in flight: QoS 0 ones only queue when its socket is backed up. */
const MAX_PENDING = { 0: 8, 1: 100 } as const;
const MAX_IN_FLIGHT = 20_000;
const CONNECT_CONCURRENCY = 64;
/** On stop, how long in-flight publishes get to settle, and each device to say goodbye. */
const DRAIN_MS = 5_000;
const CLOSE_MS = 3_000;
const LEAD_WARN_MS = 60_000;

/**
 * Starts the fleet and resolves once the devices are connected and publishing. Options left out
 * take DEFAULT_OPTIONS; invalid options, or a broker that refuses the first device, reject (after
 * closing whatever was opened).
 */
export async function start(input: Partial<SimulatorOptions> = {}, logger: Logger = silentLogger): Promise<SimulatorHandle> {
  const options: SimulatorOptions = { ...DEFAULT_OPTIONS, ...definedOnly(input) };
  const invalid = validateOptions(options);
  if (invalid) throw new Error(invalid);
  const warn = new RateLimitedLog(logger);

  return startWith(async (resources) => {
    const periodMs = options.rate !== undefined ? Math.max(1, (options.devices * 1000) / options.rate) : options.intervalMs;
    const format = FORMATS[options.format];
    const devices = Array.from({ length: options.devices }, (_, i) => new SimDevice(options, i, periodMs, format));
    const speakers = devices.map((d) => format.device({ id: d.id, index: d.index, metrics: options.metrics }, { prefix: options.prefix }));
    const counters = new Counters();
    const meter = new RateMeter();
    let scheduler: Scheduler | undefined;
    let inFlight = 0;
    let startedAt = performance.now();

    const perDevice = (text: string | undefined, id: string) => text?.replaceAll('{id}', id);
    const connections = devices.map(
      (device) =>
        new DeviceConnection(
          {
            url: options.broker,
            clientId: device.id,
            username: perDevice(options.username, device.id),
            password: perDevice(options.password, device.id),
            status: speakers[device.index]!.status,
            announce: speakers[device.index]!.announce,
            reconnectMs: options.reconnectMs,
            connectTimeoutMs: options.connectTimeoutMs,
          },
          {
            connected: (first) => {
              if (!first) counters.reconnects++;
            },
            lost: () => {
              counters.disconnects++;
            },
            error: (err) => {
              counters.errors++;
              warn.warn(`connection:${err.message}`, { device: device.id, err }, 'device connection error');
            },
            settled: () => scheduler?.wake(),
          },
        ),
    );

    let resolveDone!: (summary: SimulatorSummary) => void;
    const done = new Promise<SimulatorSummary>((resolve) => (resolveDone = resolve));
    let stopCause: StopCause = 'stop';
    let durationTimer: NodeJS.Timeout | undefined;
    let leadWarned = false;
    const meterTimer = setInterval(() => {
      meter.mark(performance.now(), counters.sent);
      if (leadWarned) return;
      // Timestamps must stay unique per device, so above 1000 entries/s a device's clock runs
      // ahead of real time; past ingest's 5-minute limit its readings would be rejected.
      const now = Date.now();
      const lead = devices.reduce((max, d) => Math.max(max, d.leadMs(now)), 0);
      if (lead > LEAD_WARN_MS) {
        leadWarned = true;
        logger.warn(
          { leadMs: Math.round(lead) },
          'device timestamps run ahead of real time (over 1000 entries/s per device); use more --devices for this rate',
        );
      }
    }, 200);
    meterTimer.unref();

    const finish = idempotent(async () => {
      scheduler?.stop();
      clearTimeout(durationTimer);
      clearInterval(meterTimer);
      const drainUntil = performance.now() + DRAIN_MS;
      while (inFlight > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 10));
      const durationMs = performance.now() - startedAt;
      const unconfirmed = inFlight;
      await Promise.all(connections.map((c) => c.close(CLOSE_MS)));
      const summary = summarize(options, counters, {
        durationMs,
        unconfirmed,
        dropped: devices.reduce((sum, d) => sum + d.dropped, 0),
        lagged: scheduler?.lagged ?? 0,
        stoppedBy: stopCause,
      });
      if (scheduler) logger.info(summary, 'simulator stopped');
      resolveDone(summary);
    });
    resources.defer(finish);

    /**
     * One report: its messages go out together and count once (sent, entries, anomalies) when the
     * last of them is acknowledged, so --count and the summary count reports whatever the format.
     */
    const publish = (i: number, messages: readonly OutMessage[], entries: number, anomalies: number) => {
      inFlight++;
      let left = messages.length;
      let failed: Error | undefined;
      const settled = (err: Error | undefined) => {
        failed ??= err;
        if (--left > 0) return;
        inFlight--;
        if (failed) {
          counters.errors++;
          warn.warn(`publish:${failed.message}`, { device: devices[i]!.id, err: failed }, 'publish failed');
          return;
        }
        counters.sent++;
        counters.messages += messages.length;
        counters.entries += entries;
        counters.anomalies += anomalies;
      };
      for (const m of messages) connections[i]!.publish(m.topic, m.payload, options.qos, settled, m.retain === true);
    };

    /** A fault in place of a normal turn; undefined means "carry on with a normal message". */
    const injectFault = (i: number, kind: FaultKind, now: number): TurnResult | undefined => {
      const device = devices[i]!;
      const connection = connections[i]!;
      if (kind === 'clock_skew') {
        device.skewClock();
        counters.fault(kind);
        return undefined;
      }
      if (kind === 'disconnect' || kind === 'offline') {
        // Only with nothing in flight, so that --count and the summary stay exact.
        if (connection.pending > 0) return undefined;
        counters.fault(kind);
        counters.disconnects++;
        if (kind === 'disconnect') connection.drop();
        else connection.goOffline(device.offlineMs());
        device.buffer(now);
        return 'idle';
      }
      const fault = payloadFault(kind);
      if (!fault) return undefined;
      const message = fault.make({ device: device.id, now, metrics: options.metrics }, device.faultVariant());
      counters.fault(kind);
      if (message.kind === 'status') {
        connection.publish(statusTopic(options.prefix, message.device), message.payload, options.qos, () => undefined);
        return 'idle';
      }
      publish(i, [{ topic: telemetryTopic(options.prefix, message.device), payload: message.payload }], 0, 0);
      return 'sent';
    };

    const turn = (i: number): TurnResult => {
      const device = devices[i]!;
      const connection = connections[i]!;
      const now = Date.now();
      if (!connection.connected) {
        device.buffer(now);
        return 'idle';
      }
      if (connection.pending >= MAX_PENDING[options.qos] || inFlight >= MAX_IN_FLIGHT) return 'busy';
      if (options.faults > 0) {
        const kind = device.drawFault();
        const result = kind === undefined ? undefined : injectFault(i, kind, now);
        if (result !== undefined) return result;
      }
      const { entries, anomalies } = device.take(now);
      publish(i, speakers[i]!.report(entries), entries.length, anomalies);
      return 'sent';
    };

    // The first device alone: a wrong URL or credentials fail start() at once with a clear reason.
    connections[0]!.open();
    try {
      await connections[0]!.whenConnected(options.connectTimeoutMs, true);
    } catch (err) {
      throw new Error(`cannot connect to ${options.broker}: ${(err as Error).message}`);
    }
    await connectRest(connections, options.connectTimeoutMs);
    const down = connections.filter((c) => !c.connected).length;
    if (down > 0) logger.warn({ down, devices: options.devices }, 'some devices are not connected yet; they keep retrying');

    scheduler = new Scheduler({
      devices: options.devices,
      schedule:
        options.rate !== undefined ? { kind: 'rate', perSecond: options.rate } : { kind: 'interval', intervalMs: options.intervalMs },
      budget: options.count,
      turn,
      exhausted: () => {
        stopCause = 'count';
        void finish();
      },
    });
    startedAt = performance.now();
    if (options.durationMs !== undefined) {
      durationTimer = setTimeout(() => {
        stopCause = 'duration';
        void finish();
      }, options.durationMs);
    }
    scheduler.start();
    logger.info(
      {
        devices: options.devices,
        broker: options.broker,
        prefix: options.prefix,
        qos: options.qos,
        ...(options.rate !== undefined ? { rate: options.rate } : { intervalMs: options.intervalMs }),
        metrics: options.metrics,
        format: options.format,
      },
      'simulator started',
    );

    const stats = (): SimulatorStats => {
      const now = performance.now();
      return {
        sent: counters.sent,
        entries: counters.entries,
        errors: counters.errors,
        rate: Math.round(meter.rate(now, counters.sent)),
        connected: connections.reduce((n, c) => n + (c.connected ? 1 : 0), 0),
        devices: options.devices,
        elapsedMs: now - startedAt,
      };
    };
    return { done, stats, deviceIds: devices.map((d) => d.id) };
  });
}

/** Drops keys set to undefined, so `{ rate: undefined }` keeps the default instead of erasing it. */
function definedOnly(input: Partial<SimulatorOptions>): Partial<SimulatorOptions> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<SimulatorOptions>;
}

/** Opens the other devices a few dozen at a time, so a big fleet does not flood the broker's accept queue. */
async function connectRest(connections: readonly DeviceConnection[], timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let next = 1;
  const worker = async () => {
    while (next < connections.length) {
      const connection = connections[next++]!;
      connection.open();
      const left = deadline - performance.now();
      if (left > 0) await connection.whenConnected(left, false).catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, connections.length) }, worker));
}
