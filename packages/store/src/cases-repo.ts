import { sql, type SQL } from 'drizzle-orm';
import type { Database, Db } from './database.ts';

export interface FindingRow {
  id: string;
  run_id: number;
  pack: string;
  pack_version: string;
  rule_id: string;
  rule_name: string;
  category: string;
  severity: string;
  appealable: boolean;
  patn_id: string;
  mdtrt_id: string;
  medins_id: string;
  dept_codg: string;
  dr_codg: string;
  month: string;
  amount_fen: number;
  result: unknown;
  case_id?: string | null;
}

export interface CaseRow {
  id: string;
  medins_id: string;
  month: string;
  status: string;
  level: number;
  special: boolean;
  proposed_fen: number;
  deduction_fen: number | null;
  risk: number;
  finding_count: number;
  due_at: string | null;
  state: unknown;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface CaseFilter {
  medinsId?: string;
  status?: string[];
  month?: string;
  ruleId?: string;
  deptCodg?: string;
  drCodg?: string;
  mdtrtId?: string;
  patnId?: string;
  dueBefore?: string;
  limit?: number;
  offset?: number;
}

const ISO = (col: string) => sql.raw(`to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);
const CASE_COLUMNS = sql`id, medins_id, month, status, level, special, proposed_fen, deduction_fen, risk, finding_count, ${ISO('due_at')} as due_at,
  state, version, ${ISO('created_at')} as created_at, ${ISO('updated_at')} as updated_at`;

/** Findings, cases and their events. */
export class CasesRepo {
  constructor(private readonly database: Database) {}

  /** Idempotent: a finding id written twice (a re-run chunk) keeps the first row. */
  async insertFindings(tx: Db, rows: readonly FindingRow[]): Promise<number> {
    if (!rows.length) return 0;
    const r = await this.database.rows(sql`
      insert into findings (id, run_id, pack, pack_version, rule_id, rule_name, category, severity, appealable, patn_id, mdtrt_id, medins_id,
        dept_codg, dr_codg, month, amount_fen, result)
      select id, run_id, pack, pack_version, rule_id, rule_name, category, severity, appealable, patn_id, mdtrt_id, medins_id, dept_codg, dr_codg,
        month, amount_fen, result
      from json_to_recordset(${JSON.stringify(rows)}::json) as x(id text, run_id bigint, pack text, pack_version text, rule_id text, rule_name text,
        category text, severity text, appealable boolean, patn_id text, mdtrt_id text, medins_id text, dept_codg text, dr_codg text, month text,
        amount_fen bigint, result jsonb)
      on conflict (id) do nothing returning id`, tx);
    return r.length;
  }

  /** Findings of a run not yet in a case (violations and suspicious ones; reminders never become deductions). */
  async unassignedFindings(tx: Db, runId: number, medinsId?: string): Promise<FindingRow[]> {
    return this.database.rows<FindingRow>(sql`
      select * from findings where run_id = ${runId} and case_id is null and severity in ('violation', 'suspicious')
        and (${medinsId ?? null}::text is null or medins_id = ${medinsId ?? null})
      order by medins_id, month, id for update`, tx);
  }

  async findingsOfCase(caseId: string, tx?: Db): Promise<FindingRow[]> {
    return this.database.rows<FindingRow>(sql`select * from findings where case_id = ${caseId} order by id`, tx);
  }

  async assignFindings(tx: Db, caseId: string, ids: readonly string[]): Promise<void> {
    await this.database.rows(sql`update findings set case_id = ${caseId} where id in (select json_array_elements_text(${JSON.stringify(ids)}::json))`, tx);
  }

  async insertCase(tx: Db, c: Omit<CaseRow, 'version'>): Promise<void> {
    await this.database.rows(sql`
      insert into cases (id, medins_id, month, status, level, special, proposed_fen, deduction_fen, risk, finding_count, due_at, state, version, created_at, updated_at)
      values (${c.id}, ${c.medins_id}, ${c.month}, ${c.status}, ${c.level}, ${c.special}, ${c.proposed_fen}, ${c.deduction_fen}, ${c.risk}, ${c.finding_count},
        ${c.due_at}::timestamptz, ${JSON.stringify(c.state)}::jsonb, 0, ${c.created_at}::timestamptz, ${c.updated_at}::timestamptz)`, tx);
  }

  /** The case row, locked for update inside a transaction (transitions of one case are serialised). */
  async get(id: string, tx?: Db, forUpdate = false): Promise<CaseRow | null> {
    const rows = await this.database.rows<CaseRow>(sql`select ${CASE_COLUMNS} from cases where id = ${id} ${forUpdate ? sql`for update` : sql``}`, tx);
    return rows[0] ?? null;
  }

  async update(tx: Db, c: Pick<CaseRow, 'id' | 'status' | 'level' | 'deduction_fen' | 'due_at' | 'state' | 'updated_at'> & { special?: boolean }): Promise<void> {
    await this.database.rows(sql`
      update cases set status = ${c.status}, level = ${c.level}, special = coalesce(${c.special ?? null}::boolean, special), deduction_fen = ${c.deduction_fen}, due_at = ${c.due_at}::timestamptz,
        state = ${JSON.stringify(c.state)}::jsonb, version = version + 1, updated_at = ${c.updated_at}::timestamptz,
        final_at = case when ${c.status} in ('final', 'closed') then coalesce(final_at, ${c.updated_at}::timestamptz) end
      where id = ${c.id}`, tx);
  }

  async appendEvent(tx: Db, caseId: string, ev: { type: string; by: string; at: string }): Promise<number> {
    const r = await this.database.rows<{ seq: number }>(sql`
      insert into case_events (case_id, seq, type, actor, at, event)
      select ${caseId}, coalesce(max(seq), 0) + 1, ${ev.type}, ${ev.by}, ${ev.at}::timestamptz, ${JSON.stringify(ev)}::jsonb from case_events where case_id = ${caseId}
      returning seq`, tx);
    return r[0].seq;
  }

  async events(caseId: string): Promise<{ seq: number; type: string; actor: string; at: string; event: unknown }[]> {
    return this.database.rows(sql`select seq, type, actor, ${ISO('at')} as at, event from case_events where case_id = ${caseId} order by seq`);
  }

  /** The worklist: filters, ordered by risk (highest first), then the nearest deadline. */
  async list(f: CaseFilter): Promise<{ items: CaseRow[]; total: number }> {
    const conds: SQL[] = [sql`true`];
    if (f.medinsId) conds.push(sql`c.medins_id = ${f.medinsId}`);
    if (f.status?.length) conds.push(sql`c.status in (select json_array_elements_text(${JSON.stringify(f.status)}::json))`);
    if (f.month) conds.push(sql`c.month = ${f.month}`);
    if (f.dueBefore) conds.push(sql`c.due_at <= ${f.dueBefore}::timestamptz`);
    if (f.ruleId || f.deptCodg || f.drCodg || f.mdtrtId || f.patnId) {
      conds.push(sql`exists (select 1 from findings x where x.case_id = c.id
        and (${f.ruleId ?? null}::text is null or x.rule_id = ${f.ruleId ?? null})
        and (${f.deptCodg ?? null}::text is null or x.dept_codg = ${f.deptCodg ?? null})
        and (${f.drCodg ?? null}::text is null or x.dr_codg = ${f.drCodg ?? null})
        and (${f.mdtrtId ?? null}::text is null or x.mdtrt_id = ${f.mdtrtId ?? null})
        and (${f.patnId ?? null}::text is null or x.patn_id = ${f.patnId ?? null}))`);
    }
    const where = sql.join(conds, sql` and `);
    const [items, total] = await Promise.all([
      this.database.rows<CaseRow>(sql`select ${CASE_COLUMNS} from cases c where ${where} order by c.risk * (1 + c.lead_boost) desc, c.due_at asc nulls last, c.id
        limit ${f.limit ?? 50} offset ${f.offset ?? 0}`),
      this.database.rows<{ n: number }>(sql`select count(*)::int as n from cases c where ${where}`),
    ]);
    return { items, total: total[0].n };
  }

  /**
   * Who may be named re-reviewer or panel member: active users with a reviewer role (by user name) and unrevoked,
   * unexpired machine keys of those roles (`key:<key_id>`, the identity such a key acts as).
   */
  async reviewers(tx: Db | undefined, now: string, roles: readonly string[] = ['admin', 'auditor', 'supervisor']): Promise<{ id: string; display_name: string; role: string }[]> {
    return this.database.rows<{ id: string; display_name: string; role: string }>(sql`
      select username as id, display_name, role from users where not disabled and role in (select json_array_elements_text(${JSON.stringify(roles)}::json))
      union
      select 'key:' || key_id, label, role from api_keys where user_id is null and revoked_at is null and (expires_at is null or expires_at > ${now}::timestamptz)
        and role in (select json_array_elements_text(${JSON.stringify(roles)}::json))
      order by 1`, tx);
  }

  /** Cases of an institution in the 12 months before `month` that ended with a deduction: its history for the risk score. */
  async priorDeductedCases(tx: Db, medinsId: string, month: string): Promise<number> {
    const r = await this.database.rows<{ n: number }>(sql`
      select count(*)::int as n from cases where medins_id = ${medinsId} and month < ${month} and month >= to_char((${month} || '-01')::date - interval '12 months', 'YYYY-MM')
        and status in ('final', 'closed') and coalesce(deduction_fen, 0) > 0`, tx);
    return r[0].n;
  }

  async putAttachment(tx: Db, a: { sha256: string; caseId: string; name: string; contentType: string; bytes: number; contentBase64: string; by: string; at: string }): Promise<void> {
    await this.database.rows(sql`
      insert into attachments (sha256, case_id, name, content_type, bytes, content, uploaded_by, uploaded_at)
      values (${a.sha256}, ${a.caseId}, ${a.name}, ${a.contentType}, ${a.bytes}, ${a.contentBase64}, ${a.by}, ${a.at}::timestamptz)
      on conflict (case_id, sha256) do nothing`, tx);
  }

  async getAttachment(caseId: string, sha256: string, tx?: Db): Promise<{ name: string; content_type: string; bytes: number; content: string } | null> {
    const r = await this.database.rows<{ name: string; content_type: string; bytes: number; content: string }>(sql`
      select name, content_type, bytes, content from attachments where case_id = ${caseId} and sha256 = ${sha256}`, tx);
    return r[0] ?? null;
  }
}
