import { sql } from 'drizzle-orm';
import { FundGuardError, type FsiFeedback } from '@fundguard/core';
import { FLUSH_DELAY_MS } from '@fundguard/store';
import { requirePermission, type Actor } from '../auth/roles.ts';
import type { ServiceContext } from '../context.ts';

export interface OverrideRow {
  rule_id: string;
  rule_name: string;
  medins_id?: string;
  dept_codg?: string;
  dr_codg?: string;
  warnings: number;
  answered: number;
  proceed: number;
  modify: number;
  self_pay: number;
  delete: number;
  /** proceed / answered: how often doctors go on against the rule */
  override_rate: number | null;
}

export type OverrideGrouping = 'rule' | 'institution' | 'department' | 'doctor';

/** 3103 feedback and the override statistics it drives (audit-api.md §4). */
export class FeedbackService {
  constructor(private readonly ctx: ServiceContext) {}

  /** Stores the doctor's handling of each warning; an unknown jr_id (or one of another institution) is a 400 naming it. Nothing is stored on error. */
  async record(actor: Actor, fb: FsiFeedback): Promise<{ stored: number }> {
    requirePermission(actor, 'audit.realtime');
    await this.ctx.realtime.flush(); // warnings of this process's 3101 answers still queued
    const ids = JSON.stringify(fb.warns.map((w) => w.warn_rslt_id));
    const lookUp = async () => new Map((await this.ctx.database.rows<{ jr_id: string; medins_id: string }>(sql`
      select jr_id, medins_id from realtime_warnings where jr_id in (select json_array_elements_text(${ids}::json))`)).map((k) => [k.jr_id, k.medins_id]));
    let byId = await lookUp();
    if (fb.warns.some((w) => !byId.has(w.warn_rslt_id)) && this.ctx.database.kind === 'postgres') {
      // With several API processes the 3101 may have been answered by another one, which writes its warnings within
      // 200 ms (RealtimeRepo.queueWarnings): give it that long before calling a jr_id unknown.
      await new Promise((r) => setTimeout(r, FLUSH_DELAY_MS + 100));
      byId = await lookUp();
    }
    const issues = fb.warns.flatMap((w, i) => {
      const medins = byId.get(w.warn_rslt_id);
      if (medins === undefined) return [{ field: `warns[${i}](warn_rslt_id=${w.warn_rslt_id}).warn_rslt_id`, value: w.warn_rslt_id, reason: '未知的预警 (unknown jr_id)' }];
      if (actor.institutionId && medins && medins !== actor.institutionId) return [{ field: `warns[${i}](warn_rslt_id=${w.warn_rslt_id}).warn_rslt_id`, value: w.warn_rslt_id, reason: 'the warning belongs to another institution' }];
      return [];
    });
    if (issues.length) throw new FundGuardError('E_INPUT_INVALID', issues.map((i) => `${i.field}: ${i.reason}`).join('; '), issues);
    const at = this.ctx.nowIso();
    const rows = fb.warns.map((w) => ({ j: w.warn_rslt_id, t: fb.warn_type, d: w.dspo_way, r: w.dspo_way_rea }));
    await this.ctx.database.rows(sql`
      insert into warning_feedback (jr_id, warn_type, dspo_way, dspo_way_rea, actor, created_at)
      select j, t, d, r, ${actor.id}, ${at}::timestamptz from json_to_recordset(${JSON.stringify(rows)}::json) as x(j text, t text, d text, r text)`);
    return { stored: rows.length };
  }

  /**
   * Per-rule override rates by institution, department or doctor. The latest answer per warning counts
   * (a doctor may first modify, then proceed).
   */
  async overrideRates(actor: Actor, opts: { by: OverrideGrouping; from?: string; to?: string; medinsId?: string }): Promise<OverrideRow[]> {
    requirePermission(actor, 'rules.read');
    const medins = actor.role === 'hospital' ? actor.institutionId ?? '' : opts.medinsId ?? null;
    const group = {
      rule: sql.raw(''),
      institution: sql.raw(', w.medins_id'),
      department: sql.raw(', w.medins_id, w.dept_codg'),
      doctor: sql.raw(', w.medins_id, w.dept_codg, w.dr_codg'),
    }[opts.by];
    return this.ctx.database.rows<OverrideRow>(sql`
      with latest as (
        select distinct on (jr_id) jr_id, dspo_way from warning_feedback order by jr_id, created_at desc, id desc
      )
      select w.rule_id, max(w.rule_name) as rule_name ${group},
        count(*)::int as warnings, count(l.jr_id)::int as answered,
        count(*) filter (where l.dspo_way = '1')::int as proceed, count(*) filter (where l.dspo_way = '2')::int as modify,
        count(*) filter (where l.dspo_way = '3')::int as self_pay, count(*) filter (where l.dspo_way = '4')::int as delete,
        case when count(l.jr_id) = 0 then null else round(count(*) filter (where l.dspo_way = '1')::numeric / count(l.jr_id), 4)::float8 end as override_rate
      from realtime_warnings w left join latest l on l.jr_id = w.jr_id
      where (${opts.from ?? null}::date is null or w.created_at >= ${opts.from ?? null}::date)
        and (${opts.to ?? null}::date is null or w.created_at < ${opts.to ?? null}::date)
        and (${medins}::text is null or w.medins_id = ${medins})
      group by w.rule_id ${group}
      order by override_rate desc nulls last, warnings desc, w.rule_id ${group}`);
  }
}
