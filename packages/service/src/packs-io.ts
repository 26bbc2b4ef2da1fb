import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { CATALOGUE_COLUMNS, CATALOGUE_REQUIRED, FundGuardError, IssueList, normaliseCatalogueRow, type CatalogueEntry } from '@fundguard/core';
import { parsePackText } from './rule-packs/pack-text.ts';
import { formatFromName, readRecords } from './imports/records.ts';

/** Reads rule packs from files or directories (a directory: its pack.json / pack.yaml, else every .json/.yaml in it). */
export function readPackFiles(paths: readonly string[]): { file: string; pack: unknown }[] {
  const out: { file: string; pack: unknown }[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new FundGuardError('E_INPUT_INVALID', `cannot read rule pack ${p}`);
    }
    let files: string[];
    if (st.isDirectory()) {
      const names = readdirSync(p);
      const main = names.find((n) => /^pack\.(json|ya?ml)$/.test(n));
      files = main ? [join(p, main)] : names.filter((n) => /\.(json|ya?ml)$/.test(n)).sort().map((n) => join(p, n));
      if (!files.length) throw new FundGuardError('E_INPUT_INVALID', `no rule pack (.json or .yaml) in ${p}`);
    } else files = [p];
    for (const f of files) {
      const ext = extname(f).toLowerCase();
      try {
        out.push({ file: f, pack: parsePackText(readFileSync(f, 'utf8'), ext === '.json' ? 'application/json' : 'application/yaml') });
      } catch (e) {
        if (e instanceof FundGuardError) throw new FundGuardError(e.code, `${basename(f)}: ${e.message}`, e.issues.map((i) => ({ ...i, file: basename(f) })));
        throw e;
      }
    }
  }
  return out;
}

/** Reads a catalogue file (CSV, XLSX or JSONL per catalogue.md) into memory, all-or-nothing like the import. */
export async function readCatalogueFile(path: string): Promise<CatalogueEntry[]> {
  const name = basename(path);
  const format = formatFromName(name);
  if (!format) throw new FundGuardError('E_INPUT_INVALID', `${name}: name the catalogue .csv, .xlsx or .jsonl`);
  const errors = new IssueList();
  const entries: CatalogueEntry[] = [];
  for await (const src of readRecords(format, path, name, { known: CATALOGUE_COLUMNS, required: CATALOGUE_REQUIRED })) {
    if (!src.record) {
      errors.add(src.problem!);
      continue;
    }
    const n = normaliseCatalogueRow(src.record, { file: name, line: src.line });
    errors.addAll(n.errors);
    if (n.value) entries.push(n.value);
  }
  if (!errors.empty) throw errors.toError('E_IMPORT_INVALID', `${name}: catalogue not usable`);
  return entries;
}

/** An in-memory catalogue look-up: the entry in force on a day, an exact region before `*`. */
export function catalogueLookup(entries: readonly CatalogueEntry[]): (code: string, day: string, region: string) => CatalogueEntry | null {
  const byCode = new Map<string, CatalogueEntry[]>();
  for (const e of entries) {
    const list = byCode.get(e.hilist_code);
    if (list) list.push(e);
    else byCode.set(e.hilist_code, [e]);
  }
  return (code, day, region) => {
    const list = byCode.get(code);
    if (!list) return null;
    let best: CatalogueEntry | null = null;
    for (const e of list) {
      if ((e.effective_from !== null && e.effective_from > day) || (e.effective_to !== null && day >= e.effective_to)) continue;
      if (e.region !== '*' && !region.startsWith(e.region.replace(/(00)+$/, ''))) continue;
      if (!best || (best.region === '*' && e.region !== '*')) best = e;
    }
    return best;
  };
}
