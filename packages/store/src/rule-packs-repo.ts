import { sql } from 'drizzle-orm';
import type { Database, Db } from './database.ts';

export type PackStatus = 'draft' | 'active' | 'retired';

export interface PackVersionRow {
  pack: string;
  version: string;
  status: PackStatus;
  rule_count: number;
  content_hash: string;
  author: string;
  change_summary: string;
  created_at: string;
  activated_at: string | null;
  activated_by: string | null;
}

export interface PackRow {
  pack: string;
  name: string;
  region: string;
  active_version: string | null;
  updated_at: string;
  versions: number;
}

const ISO = (col: string) => sql.raw(`to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

/** Rule packs and every version of them; versions are immutable, only their status moves. */
export class RulePacksRepo {
  constructor(private readonly database: Database) {}

  async insertVersion(tx: Db, v: { pack: string; version: string; name: string; region: string; content: unknown; contentHash: string; ruleCount: number; author: string; changeSummary: string; at: string }): Promise<void> {
    await this.database.rows(sql`
      insert into rule_packs (pack, name, region, updated_at) values (${v.pack}, ${v.name}, ${v.region}, ${v.at}::timestamptz)
      on conflict (pack) do update set name = excluded.name, region = excluded.region, updated_at = excluded.updated_at`, tx);
    await this.database.rows(sql`
      insert into rule_pack_versions (pack, version, content, content_hash, status, rule_count, author, change_summary, created_at)
      values (${v.pack}, ${v.version}, ${JSON.stringify(v.content)}::jsonb, ${v.contentHash}, 'draft', ${v.ruleCount}, ${v.author}, ${v.changeSummary}, ${v.at}::timestamptz)`, tx);
  }

  async version(pack: string, version: string, tx?: Db): Promise<(PackVersionRow & { content: Record<string, unknown> }) | null> {
    const rows = await this.database.rows<PackVersionRow & { content: Record<string, unknown> }>(sql`
      select pack, version, status, rule_count, content_hash, author, change_summary, content, ${ISO('created_at')} as created_at,
        ${ISO('activated_at')} as activated_at, activated_by
      from rule_pack_versions where pack = ${pack} and version = ${version}`, tx);
    return rows[0] ?? null;
  }

  /** The most recently uploaded version of a pack (the base for a change summary). */
  async latest(pack: string, tx?: Db): Promise<(PackVersionRow & { content: Record<string, unknown> }) | null> {
    const rows = await this.database.rows<{ version: string }>(sql`select version from rule_pack_versions where pack = ${pack} order by created_at desc, version desc limit 1`, tx);
    return rows[0] ? this.version(pack, rows[0].version, tx) : null;
  }

  async versions(pack: string): Promise<PackVersionRow[]> {
    return this.database.rows<PackVersionRow>(sql`
      select pack, version, status, rule_count, content_hash, author, change_summary, ${ISO('created_at')} as created_at,
        ${ISO('activated_at')} as activated_at, activated_by
      from rule_pack_versions where pack = ${pack} order by created_at desc, version desc`);
  }

  async packs(): Promise<PackRow[]> {
    return this.database.rows<PackRow>(sql`
      select p.pack, p.name, p.region, p.active_version, ${ISO('p.updated_at')} as updated_at, count(v.version)::int as versions
      from rule_packs p left join rule_pack_versions v on v.pack = p.pack
      group by p.pack order by p.pack`);
  }

  /** Makes `version` the pack's active one; the previously active version becomes retired (kept in history). */
  async activate(tx: Db, pack: string, version: string, actor: string, at: string): Promise<string | null> {
    await this.database.rows(sql`select pg_advisory_xact_lock(hashtext(${`pack:${pack}`}))`, tx);
    const prev = await this.database.rows<{ active_version: string | null }>(sql`select active_version from rule_packs where pack = ${pack}`, tx);
    const previous = prev[0]?.active_version ?? null;
    await this.database.rows(sql`update rule_pack_versions set status = 'retired' where pack = ${pack} and status = 'active' and version <> ${version}`, tx);
    await this.database.rows(sql`
      update rule_pack_versions set status = 'active', activated_at = ${at}::timestamptz, activated_by = ${actor} where pack = ${pack} and version = ${version}`, tx);
    await this.database.rows(sql`update rule_packs set active_version = ${version}, updated_at = ${at}::timestamptz where pack = ${pack}`, tx);
    return previous;
  }

  /** The content of every active pack version. */
  async activeContents(): Promise<{ pack: string; version: string; content: Record<string, unknown> }[]> {
    return this.database.rows(sql`
      select v.pack, v.version, v.content from rule_pack_versions v join rule_packs p on p.pack = v.pack and p.active_version = v.version order by v.pack`);
  }
}
