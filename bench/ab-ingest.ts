/**
 * A/B helper beside the suite (docs/benchmarks.md): the ingest scenario's SQLite single-reading
 * floods (40,000 messages, QoS 1 then QoS 0), each right after its own bare mqtt.js peer run, one
 * JSON line per pair. On a shared machine the neighbours' load moves between the peers and the
 * Vigil runs of a whole scenario; pairs taken back to back, alternating two checkouts, compare better.
 *
 *   BENCH_VIGIL_ROOT=/path/to/checkout [BENCH_INGEST_CONNECTIONS=N] npx tsx bench/ab-ingest.ts [rounds=2] [label]
 */
import { runIngestCase } from './scenarios/ingest-run.ts';
import { runSubscriberPeer } from './scenarios/ingest-peers.ts';

const rounds = Number(process.argv[2] ?? 2);
const label = process.argv[3] ?? 'run';
const ctx = { quick: true, log: (l: string) => process.stderr.write(`${l}\n`) };
for (let r = 0; r < rounds; r++) {
  for (const qos of [1, 0] as const) {
    const peer = await runSubscriberPeer('mqtt.js', qos, 1, 40_000);
    const vigil = await runIngestCase(
      { store: 'sqlite', qos, batch: 1, load: { kind: 'flood', messages: 40_000 } },
      { influx: undefined },
      ctx,
    );
    const ingestCpu = vigil.cpu.find((u) => u.name === 'ingest')?.cpuPct ?? Number.NaN;
    const others = vigil.cpu.find((u) => u.name === 'others')?.cpuPct ?? Number.NaN;
    process.stdout.write(
      `${JSON.stringify({ label, round: r, qos, peer: Math.round(peer.rate), vigil: Math.round(vigil.rate), ratio: +(vigil.rate / peer.rate).toFixed(2), lost: vigil.lost, ingestCpu: Math.round(ingestCpu), others: Math.round(others) })}\n`,
    );
  }
}
