import { createHash } from 'node:crypto';
import { canonicalJson, diffPacks, FundGuardError, type PackDiff } from '@fundguard/core';
import { RulePacksRepo, type PackRow, type PackVersionRow } from '@fundguard/store';
import { requirePermission, type Actor } from '../auth/roles.ts';
import type { ServiceContext } from '../context.ts';

/** Checks a pack against rule-pack.md; throws FundGuardError('E_PACK_INVALID') listing every error. */
export type PackValidator = (pack: unknown) => void;

/** Called after an activation commits, so that evaluators can swap their compiled packs. */
export type ActivationListener = (active: { pack: string; version: string; content: Record<string, unknown> }[]) => void | Promise<void>;

export interface UploadResult {
  pack: string;
  version: string;
  status: 'draft' | 'active' | 'retired';
  rule_count: number;
  change_summary: string;
  /** true when this exact (pack, version, content) was already stored */
  unchanged: boolean;
}

export { parsePackText } from './pack-text.ts';

/** Rule packs as versioned data: upload (validate, store as draft), activate, list, diff; all recorded in the audit log. */
export class RulePackService {
  readonly repo: RulePacksRepo;
  private readonly listeners: ActivationListener[] = [];

  constructor(private readonly ctx: ServiceContext, private readonly validate: PackValidator) {
    this.repo = new RulePacksRepo(ctx.database);
  }

  onActivation(listener: ActivationListener): void {
    this.listeners.push(listener);
  }

  async upload(actor: Actor, pack: unknown, opts: { activate?: boolean } = {}): Promise<UploadResult> {
    requirePermission(actor, 'rules.write');
    this.validate(pack);
    const p = pack as { pack: string; version: string; name: string; region: string; rules: unknown[] };
    const hash = createHash('sha256').update(canonicalJson(pack)).digest('hex');
    const at = this.ctx.nowIso();
    const result = await this.ctx.database.transaction(async (tx) => {
      const existing = await this.repo.version(p.pack, p.version, tx);
      if (existing) {
        if (existing.content_hash !== hash) {
          throw new FundGuardError('E_CONFLICT', `pack ${p.pack} version ${p.version} exists with other content; give the new content a new version`, [{ field: 'version', value: p.version, reason: 'already used for other content' }]);
        }
        return { pack: p.pack, version: p.version, status: existing.status, rule_count: existing.rule_count, change_summary: existing.change_summary, unchanged: true };
      }
      const base = await this.repo.latest(p.pack, tx);
      const summary = base ? `${diffPacks(base.content, pack as Record<string, unknown>).summary} (vs ${base.version})` : `new pack, ${p.rules.length} rules`;
      await this.repo.insertVersion(tx, { pack: p.pack, version: p.version, name: p.name, region: p.region, content: pack, contentHash: hash, ruleCount: p.rules.length, author: actor.id, changeSummary: summary, at });
      await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: 'rule_pack.upload', entityType: 'rule_pack', entityId: `${p.pack}@${p.version}`, at, detail: { rules: p.rules.length, hash, summary } }]);
      return { pack: p.pack, version: p.version, status: 'draft' as const, rule_count: p.rules.length, change_summary: summary, unchanged: false };
    });
    if (opts.activate && result.status !== 'active') {
      await this.activate(actor, p.pack, p.version);
      return { ...result, status: 'active' };
    }
    return result;
  }

  async activate(actor: Actor, pack: string, version: string): Promise<{ pack: string; version: string; previous: string | null }> {
    requirePermission(actor, 'rules.write');
    const at = this.ctx.nowIso();
    const previous = await this.ctx.database.transaction(async (tx) => {
      const v = await this.repo.version(pack, version, tx);
      if (!v) throw new FundGuardError('E_NOT_FOUND', `no version ${version} of pack ${pack}`);
      // Stored versions were valid when uploaded; validate again in case the validator has grown stricter.
      this.validate(v.content);
      const prev = await this.repo.activate(tx, pack, version, actor.id, at);
      await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: 'rule_pack.activate', entityType: 'rule_pack', entityId: `${pack}@${version}`, at, detail: { previous: prev } }]);
      return prev;
    });
    const active = await this.repo.activeContents();
    for (const l of this.listeners) await l(active);
    return { pack, version, previous };
  }

  packs(actor: Actor): Promise<PackRow[]> {
    requirePermission(actor, 'rules.read');
    return this.repo.packs();
  }

  async versions(actor: Actor, pack: string): Promise<PackVersionRow[]> {
    requirePermission(actor, 'rules.read');
    const v = await this.repo.versions(pack);
    if (!v.length) throw new FundGuardError('E_NOT_FOUND', `no pack ${pack}`);
    return v;
  }

  async content(actor: Actor, pack: string, version: string): Promise<Record<string, unknown>> {
    requirePermission(actor, 'rules.read');
    const v = await this.repo.version(pack, version);
    if (!v) throw new FundGuardError('E_NOT_FOUND', `no version ${version} of pack ${pack}`);
    return v.content;
  }

  async diff(actor: Actor, pack: string, from: string, to: string): Promise<PackDiff> {
    const [a, b] = [await this.content(actor, pack, from), await this.content(actor, pack, to)];
    return diffPacks(a, b);
  }
}
