/**
 * Alert evaluation for the ingest tier. Every ingest process runs an alerter, but only the
 * elected one evaluates (LeaderElection): it hears every accepted reading from every ingest on
 * vigil/events/readings, so one device's readings are evaluated in order by one evaluator even
 * when a shared subscription splits them across workers. Transitions are stored, published on
 * vigil/events/alert for the API processes, and sent to the webhook.
 */
import { Evaluator, type Transition } from './evaluator.ts';
import type { AlertStore } from './alert-store.ts';
import { AlertFanOut } from './fan-out.ts';
import { WebhookSender, type WebhookStats } from './webhook.ts';
import type { VigilConfig } from '../lib/config.ts';
import { primaryBrokerUrl } from '../lib/config.ts';
import type { BusRejectedCounts } from '../bus/ingest-stats.ts';
import { BusRejections, subscribeBus } from '../bus/index.ts';
import type { Handle } from '../lib/lifecycle.ts';
import { startWith } from '../lib/lifecycle.ts';
import { componentLogger, type Logger } from '../lib/logger.ts';
import { connectMqtt, endMqtt, FALL_BACK_MESSAGE, watchSessionTakeover, type ConnectOptions, type MqttClient } from '../lib/mqtt.ts';
import type { AlertEventSink, TelemetryReader } from '../store/port.ts';
import { LeaderElection } from './leader.ts';
import { ReorderBuffer } from './reorder.ts';

const STEP_MS = 250;
const SAVE_EVERY_MS = 5_000;
const RULES_POLL_MS = 10_000;
/** Long enough to hear the other ingest processes before claiming to lead. */
const STARTUP_QUIET_MS = 1_500;

export interface AlerterDeps {
  readonly alerts: AlertStore;
  /** Devices known to the store seed nodata rules; transitions are kept beside the telemetry. */
  readonly store: Pick<TelemetryReader, 'devices'> & AlertEventSink;
  readonly logger: Logger;
  /** How the alerter reaches the broker; unit tests pass an in-memory client. Default connectMqtt. */
  readonly connect?: (url: string, options: ConnectOptions) => Promise<MqttClient>;
}

export interface AlerterHandle extends Handle {
  isLeader(): boolean;
  webhookStats(): WebhookStats;
  /** Messages on Vigil topics this alerter dropped; ingest reports them in its stats snapshot. */
  busRejected(): BusRejectedCounts;
  /** Other ingest instances heard alive on vigil/stats/ingest (ingest's duplicate-consumer warning). */
  otherInstances(): number;
}

export async function startAlerter(config: VigilConfig, deps: AlerterDeps): Promise<AlerterHandle> {
  const { alerts, store } = deps;
  const logger = componentLogger(deps.logger, 'alerter');
  return startWith(async (resources) => {
    const election = new LeaderElection(config.instanceId);
    const buffer = new ReorderBuffer();
    const webhook = config.alertWebhookUrl
      ? new WebhookSender({ url: config.alertWebhookUrl, publicUrl: config.publicUrl, logger, secret: config.alertWebhookSecret })
      : undefined;
    if (webhook) resources.defer(() => webhook.stop());

    let evaluator: Evaluator | undefined;
    let rulesSeen = '';
    let dirty = false;
    let lastSave = 0;
    const startedAt = Date.now();

    const client: MqttClient = await resources.open(
      (deps.connect ?? connectMqtt)(primaryBrokerUrl(config), {
        username: config.mqtt.username,
        password: config.mqtt.password,
        clientId: `${config.mqtt.clientId}-alerter-${config.instanceId}`,
        clean: true,
        mqttProtocol: config.mqtt.protocol,
        onFallBack: (reason) => logger.info({ reason }, FALL_BACK_MESSAGE),
      }),
      (c) => endMqtt(c),
    );
    watchSessionTakeover(client, (t) =>
      logger.error({ clientId: t.clientId, how: t.how }, "another MQTT client took over the alerter's session"),
    );

    const fanOut = new AlertFanOut({ alerts, store, bus: client, webhook });
    const publish = (transitions: readonly Transition[]) => {
      for (const t of transitions) {
        const stored = fanOut.transition(t);
        logger.info({ alert: stored.id, kind: t.kind, device: t.device, rule: t.ruleId }, t.message);
      }
      if (transitions.length > 0) dirty = true;
    };

    const lead = async (): Promise<Evaluator> => {
      rulesSeen = alerts.rulesFingerprint();
      const next = new Evaluator(alerts.listRules(), alerts.loadEvaluatorState());
      // Devices known to the store count for nodata rules from their last sign of life.
      for (const device of await store.devices()) if (device.lastSeen !== null) next.seen(device.id, device.lastSeen);
      logger.info({ instance: config.instanceId }, 'leading alert evaluation');
      return next;
    };

    const reloadRules = () => {
      if (!evaluator) return;
      const fingerprint = alerts.rulesFingerprint();
      if (fingerprint === rulesSeen) return;
      rulesSeen = fingerprint;
      publish(evaluator.setRules(alerts.listRules(), Date.now()));
      dirty = true;
    };

    let leading = false;
    let stepping = false;
    const step = async () => {
      if (stepping) return;
      stepping = true;
      try {
        const now = Date.now();
        const shouldLead = now - startedAt >= STARTUP_QUIET_MS && election.isLeader();
        if (shouldLead && !leading) {
          evaluator = await lead();
          leading = true;
        } else if (!shouldLead && leading) {
          if (evaluator) alerts.saveEvaluatorState(evaluator.state());
          evaluator = undefined;
          leading = false;
          buffer.release(now, true);
          logger.info('no longer leading alert evaluation');
        }
        if (!evaluator) {
          buffer.release(now, true);
          return;
        }
        for (const entry of buffer.release(now)) publish(evaluator.reading(entry));
        publish(evaluator.tick(now));
        if (dirty && now - lastSave >= SAVE_EVERY_MS) {
          alerts.saveEvaluatorState(evaluator.state());
          lastSave = now;
          dirty = false;
        }
      } catch (err) {
        logger.error({ err }, 'alert evaluation step failed; retrying');
      } finally {
        stepping = false;
      }
    };

    // Decoded or dropped by the bus: a malformed reading never reaches the evaluator (or its saved state).
    const rejections = new BusRejections(logger);
    await subscribeBus(
      client,
      {
        readings: (entries) => {
          if (evaluator) buffer.add(entries, Date.now());
        },
        stats: (snapshot) => election.heard(snapshot.instance),
        rulesChanged: () => reloadRules(),
      },
      { rejections, logger },
    );

    const stepTimer = setInterval(() => void step(), STEP_MS);
    const pollTimer = setInterval(reloadRules, RULES_POLL_MS);
    resources.defer(() => {
      clearInterval(stepTimer);
      clearInterval(pollTimer);
      // Evaluate what is still held, then keep the state for whoever leads next.
      if (evaluator) {
        for (const entry of buffer.release(Date.now(), true)) publish(evaluator.reading(entry));
        alerts.saveEvaluatorState(evaluator.state());
      }
    });
    const noWebhook: WebhookStats = { delivered: 0, failures: 0, dropped: 0, rejected: 0, queued: 0 };
    return {
      isLeader: () => leading,
      webhookStats: () => webhook?.stats ?? noWebhook,
      busRejected: () => rejections.snapshot(),
      otherInstances: () => election.others(),
    };
  });
}
