import { compilePack, type CatalogueEntry, type CompiledPack } from '@fundguard/core';
import { RulePacksRepo, type StoredListEntry } from '@fundguard/store';
import type { ServiceContext } from '../context.ts';
import { catalogueLookup } from '../packs-io.ts';

/** What evaluations run against: the compiled active packs and the catalogue, swapped as one immutable snapshot. */
export interface RulesSnapshot {
  packs: CompiledPack[];
  versions: { pack: string; version: string }[];
  catalogue: ((code: string, day: string, region: string) => CatalogueEntry | null) | undefined;
  catalogueSize: number;
  /** a blacklist/suspended 名单 entry in force on a day, for blacklist rules with use_lists */
  listed: (subjectType: 'institution' | 'doctor' | 'patient' | 'department', code: string, day: string) => { list: string; reason: string } | null;
  loadedAt: string;
}

/**
 * The active rule packs, compiled once. A request takes the current snapshot at its start and keeps it, so an
 * activation in the meantime never changes a request half-way; the swap itself is one assignment. A pack that
 * does not compile never becomes active (activation compiles it first).
 */
export class ActiveRules {
  private snap: RulesSnapshot = { packs: [], versions: [], catalogue: undefined, catalogueSize: 0, listed: () => null, loadedAt: '' };
  private lists: StoredListEntry[] = [];
  private catalogue: CatalogueEntry[] = [];

  constructor(private readonly ctx: ServiceContext) {}

  snapshot(): RulesSnapshot {
    return this.snap;
  }

  /** Loads the catalogue and the active packs from the store and swaps them in. */
  async reload(): Promise<RulesSnapshot> {
    this.catalogue = await this.ctx.catalogue.all();
    this.lists = (await this.ctx.lists.query({ limit: 1_000_000 })).filter((e) => e.list !== 'watch');
    return this.recompile();
  }

  /** After a lists import or a penalty: the new 名单 apply to the next requests. */
  async reloadLists(): Promise<void> {
    this.lists = (await this.ctx.lists.query({ limit: 1_000_000 })).filter((e) => e.list !== 'watch');
    this.snap = { ...this.snap, listed: listedLookup(this.lists) };
  }

  /** Compiles a pack against the current catalogue (throws E_PACK_INVALID with every error). */
  compile(pack: unknown): CompiledPack {
    return compilePack(pack, { catalogue: this.catalogue.length ? this.catalogue : undefined });
  }

  catalogueGroups(): Set<string> {
    return new Set(this.catalogue.flatMap((e) => e.group_codes));
  }

  hasCatalogue(): boolean {
    return this.catalogue.length > 0;
  }

  async recompile(): Promise<RulesSnapshot> {
    const active = await new RulePacksRepo(this.ctx.database).activeContents();
    const packs: CompiledPack[] = [];
    for (const a of active) {
      try {
        packs.push(this.compile(a.content));
      } catch (e) {
        // A pack that compiled when it was activated but not against today's catalogue stays out, loudly.
        throw new Error(`active pack ${a.pack}@${a.version} no longer compiles: ${(e as Error).message}`);
      }
    }
    this.snap = {
      packs, versions: active.map((a) => ({ pack: a.pack, version: a.version })),
      catalogue: this.catalogue.length ? catalogueLookup(this.catalogue) : undefined, catalogueSize: this.catalogue.length,
      listed: listedLookup(this.lists), loadedAt: this.ctx.nowIso(),
    };
    return this.snap;
  }
}

function listedLookup(entries: readonly StoredListEntry[]): RulesSnapshot['listed'] {
  const by = new Map<string, StoredListEntry[]>();
  for (const e of entries) {
    const k = `${e.subject_type}\u0000${e.subject_code}`;
    const list = by.get(k);
    if (list) list.push(e);
    else by.set(k, [e]);
  }
  return (type, code, day) => {
    const hit = by.get(`${type}\u0000${code}`)?.find((e) => (e.effective_from === null || e.effective_from <= day) && (e.effective_to === null || day < e.effective_to));
    return hit ? { list: hit.list, reason: hit.reason } : null;
  };
}
