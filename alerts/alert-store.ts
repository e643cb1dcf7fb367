/**
 * Rules, alerts and the evaluator's state, kept in the SQLite file at SQLITE_PATH under both
 * stores (with STORE=influx the file holds only this and the spool; docs/alerts.md). Ingest's
 * alerter and every API process open it; WAL lets them share it.
 *
 * Two writers touch an alert: the alerter (fired/resolved) and the API (acknowledged). Each
 * writes only its own columns, so neither can undo the other's change.
 */
import type Database from 'better-sqlite3';
import { z } from 'zod';
import type { Alert } from '../domain/alert.ts';
import { compareAlerts } from '../domain/alert-order.ts';
import type { Severity } from '../domain/rule.ts';
import { decodeEvaluatorState, type EvaluatorState } from './evaluator.ts';
import { parseRule, type Rule } from '../domain/rule.ts';
import { openSchemaDatabase } from '../store/keyed-schema.ts';

const SCHEMA_KEY = 'alerts_schema';
/** SEVERITY_RANK in SQL; the same text in the index and in ORDER BY, or SQLite cannot use the index. */
const SEVERITY_SQL = `CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END`;
const LIST_ORDER = `state, (${SEVERITY_SQL}), started_at DESC, device, id`;
const SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS vigil_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
   CREATE TABLE alert_rules (id TEXT PRIMARY KEY, body TEXT NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID;
   CREATE TABLE alerts (
     id TEXT PRIMARY KEY,
     rule_id TEXT NOT NULL,
     device TEXT NOT NULL,
     metric TEXT,
     severity TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('firing', 'resolved')),
     acknowledged INTEGER NOT NULL DEFAULT 0,
     value REAL,
     threshold TEXT,
     started_at INTEGER NOT NULL,
     resolved_at INTEGER,
     acked_at INTEGER,
     message TEXT NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE INDEX alerts_started ON alerts (started_at DESC);
   CREATE INDEX alerts_firing ON alerts (state, started_at DESC);
   CREATE TABLE alert_evaluator (id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT NOT NULL, saved_at INTEGER NOT NULL);`,
  // v2: the operator's note with an acknowledgement, and an index in the one list order
  // (domain/alert-order.ts compareAlerts), so a LIMIT reads the top rows instead of sorting them all.
  `ALTER TABLE alerts ADD COLUMN ack_note TEXT;
   CREATE INDEX alerts_order ON alerts (state, (${SEVERITY_SQL}), started_at DESC, device, id);`,
];

interface AlertRow {
  id: string;
  rule_id: string;
  device: string;
  metric: string | null;
  severity: Alert['severity'];
  state: Alert['state'];
  acknowledged: number;
  value: number | null;
  threshold: string | null;
  started_at: number;
  resolved_at: number | null;
  acked_at: number | null;
  ack_note: string | null;
  message: string;
}

export interface AlertQuery {
  readonly state: 'active' | 'all';
  readonly device?: string;
  readonly severity?: readonly Severity[];
  readonly ruleId?: string;
  readonly acknowledged?: boolean;
  /** Bounds on startedAt, inclusive. */
  readonly from?: number;
  readonly to?: number;
  readonly limit: number;
}

/** What acknowledgeMany did, per id asked for (each id once, in the order asked). */
export interface BulkAcknowledgement {
  /** Acknowledged by this call, as stored now. */
  readonly acknowledged: Alert[];
  /** Acknowledged before (here or by another API process): left as they were. */
  readonly already: Alert[];
  readonly notFound: string[];
}

export class AlertStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = openSchemaDatabase(path, { key: SCHEMA_KEY, steps: SCHEMA, refusal: 'the alert tables were' });
  }

  listRules(): Rule[] {
    const rows = this.db.prepare('SELECT id, body FROM alert_rules ORDER BY id').all() as RuleRow[];
    return rows.flatMap((row) => decodeRule(row) ?? []);
  }

  getRule(id: string): Rule | undefined {
    const row = this.db.prepare('SELECT id, body FROM alert_rules WHERE id = ?').get(id) as RuleRow | undefined;
    return row ? decodeRule(row) : undefined;
  }

  putRule(rule: Rule, now = Date.now()): void {
    this.db
      .prepare(
        'INSERT INTO alert_rules (id, body, updated_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at',
      )
      .run(rule.id, JSON.stringify(rule), now);
  }

  deleteRule(id: string): boolean {
    return this.db.prepare('DELETE FROM alert_rules WHERE id = ?').run(id).changes > 0;
  }

  /** Changes whenever a rule is added, changed or removed: a cheap "reload?" check. */
  rulesFingerprint(): string {
    const row = this.db
      .prepare('SELECT count(*) AS n, coalesce(max(updated_at), 0) AS at, coalesce(sum(length(body)), 0) AS len FROM alert_rules')
      .get() as { n: number; at: number; len: number };
    return `${row.n}:${row.at}:${row.len}`;
  }

  /** Writes a fired/resolved alert; never touches the acknowledgement. Returns the stored alert. */
  recordTransition(alert: Alert, now = Date.now()): Alert {
    this.db
      .prepare(
        `INSERT INTO alerts (id, rule_id, device, metric, severity, state, acknowledged, value, threshold, started_at, resolved_at, acked_at, message, updated_at)
         VALUES (@id, @ruleId, @device, @metric, @severity, @state, 0, @value, @threshold, @startedAt, @resolvedAt, NULL, @message, @now)
         ON CONFLICT (id) DO UPDATE SET state = excluded.state, value = excluded.value, resolved_at = excluded.resolved_at,
           message = excluded.message, updated_at = excluded.updated_at
         WHERE alerts.state = 'firing'`,
      )
      .run({ ...alert, threshold: alert.threshold === null ? null : JSON.stringify(alert.threshold), now });
    return this.getAlert(alert.id)!;
  }

  /**
   * Marks an alert acknowledged once, with the operator's note; returns it, or undefined for an
   * unknown id. An alert acknowledged before keeps its first acknowledgement and note.
   */
  acknowledge(id: string, at = Date.now(), note: string | null = null): Alert | undefined {
    this.ackStatement().run(at, note, at, id);
    return this.getAlert(id);
  }

  /** Acknowledges several in one transaction (all or none are written). */
  acknowledgeMany(ids: readonly string[], at = Date.now(), note: string | null = null): BulkAcknowledgement {
    const ack = this.ackStatement();
    return this.db
      .transaction((): BulkAcknowledgement => {
        const out: BulkAcknowledgement = { acknowledged: [], already: [], notFound: [] };
        for (const id of new Set(ids)) {
          const changed = ack.run(at, note, at, id).changes > 0;
          const alert = this.getAlert(id);
          if (!alert) out.notFound.push(id);
          else (changed ? out.acknowledged : out.already).push(alert);
        }
        return out;
      })
      .immediate();
  }

  private ackStatement(): Database.Statement {
    return this.db.prepare(
      'UPDATE alerts SET acknowledged = 1, acked_at = ?, ack_note = ?, updated_at = ? WHERE id = ? AND acknowledged = 0',
    );
  }

  getAlert(id: string): Alert | undefined {
    const row = this.db.prepare('SELECT * FROM alerts WHERE id = ?').get(id) as AlertRow | undefined;
    return row ? toAlert(row) : undefined;
  }

  /** In the one list order (compareAlerts), the first `limit` that pass the filters. */
  listAlerts(query: AlertQuery): Alert[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const add = (clause: string, ...values: (string | number)[]) => {
      where.push(clause);
      args.push(...values);
    };
    if (query.state === 'active') add("state = 'firing'");
    if (query.device !== undefined) add('device = ?', query.device);
    if (query.ruleId !== undefined) add('rule_id = ?', query.ruleId);
    if (query.severity !== undefined && query.severity.length > 0)
      add(`severity IN (${query.severity.map(() => '?').join(', ')})`, ...query.severity);
    if (query.acknowledged !== undefined) add('acknowledged = ?', query.acknowledged ? 1 : 0);
    if (query.from !== undefined) add('started_at >= ?', query.from);
    if (query.to !== undefined) add('started_at <= ?', query.to);
    const sql = `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${LIST_ORDER} LIMIT ?`;
    // SQL picks the rows in the same order; sorting again with the domain's comparator keeps the
    // one definition authoritative (a page holds at most the route's 1000).
    return (this.db.prepare(sql).all(...args, query.limit) as AlertRow[]).map(toAlert).sort(compareAlerts);
  }

  loadEvaluatorState(): EvaluatorState | undefined {
    const row = this.db.prepare('SELECT body FROM alert_evaluator WHERE id = 1').get() as { body: string } | undefined;
    return row ? decodeEvaluatorState(row.body) : undefined;
  }

  saveEvaluatorState(state: EvaluatorState, now = Date.now()): void {
    this.db
      .prepare(
        'INSERT INTO alert_evaluator (id, body, saved_at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body, saved_at = excluded.saved_at',
      )
      .run(JSON.stringify(state), now);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

const thresholdSchema = z.union([z.number(), z.tuple([z.number(), z.number()])]);

/** A stored threshold through its schema: a row that no longer decodes shows no threshold. */
function decodeThreshold(text: string | null): Alert['threshold'] {
  if (text === null) return null;
  try {
    const parsed = thresholdSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function toAlert(row: AlertRow): Alert {
  return {
    id: row.id,
    ruleId: row.rule_id,
    device: row.device,
    metric: row.metric,
    severity: row.severity,
    state: row.state,
    acknowledged: row.acknowledged === 1,
    value: row.value,
    threshold: decodeThreshold(row.threshold),
    startedAt: row.started_at,
    resolvedAt: row.resolved_at,
    ackedAt: row.acked_at,
    ackNote: row.ack_note,
    message: row.message,
  };
}

interface RuleRow {
  readonly id: string;
  readonly body: string;
}

/** A stored rule through the same schema as an operator's; a row that no longer passes is skipped, not trusted. */
function decodeRule(row: RuleRow): Rule | undefined {
  let json: unknown;
  try {
    json = JSON.parse(row.body);
  } catch {
    return undefined;
  }
  const parsed = parseRule(json);
  return parsed.ok ? ({ ...parsed.rule, id: row.id } as Rule) : undefined;
}
