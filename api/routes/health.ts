import type { Router } from '@koa/router';
import { sessionTakeovers } from '../../lib/mqtt.ts';
import type { ApiServices } from '../context.ts';
import { describeRoute } from '../route-docs.ts';

const DOC = describeRoute({
  method: 'get',
  path: '/api/health',
  summary: 'broker and store up, or 503 naming what is down (open without the token)',
});

export function healthRoutes(router: Router, services: ApiServices): void {
  router.get(DOC.path, async (ctx) => {
    // Connected is not enough: while another client keeps taking ingest's or the alerter's id, device messages go to it.
    const local = sessionTakeovers.recent();
    const takeover = local
      ? `another client took over the MQTT session ${local.clientId} (${local.how})`
      : services.ingestHealth.takenOver();
    const broker = services.bus.connected && !takeover ? 'up' : 'down';
    const store = await services.store.ping().then(
      () => 'up',
      (err: Error) => {
        services.logger.warn({ err }, 'store health check failed');
        return 'down';
      },
    );
    // A store that answers pings but refuses ingest's writes (disk full, read-only, InfluxDB refusing) is down.
    const writes = services.ingestHealth.failing();
    const storeState = store === 'up' && writes ? 'down' : store;
    const ok = broker === 'up' && storeState === 'up';
    ctx.status = ok ? 200 : 503;
    ctx.body = {
      status: ok ? 'ok' : 'degraded',
      checks: { broker, store: storeState },
      ...(writes || takeover ? { problems: { ...(writes ? { store: writes } : {}), ...(takeover ? { broker: takeover } : {}) } } : {}),
    };
  });
}
