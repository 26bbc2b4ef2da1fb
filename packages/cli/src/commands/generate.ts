import type { Command } from 'commander';
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { generate, generatedCatalogue, RULE_INJECTIONS, SCREEN_INJECTIONS, toImportShape, type Injection } from '@fundguard/core';
import { progressBar } from '../progress.ts';
import { CliInputError } from '../exit.ts';

const KNOWN = [...Object.keys(RULE_INJECTIONS), ...SCREEN_INJECTIONS];

function parseRates(text: string | undefined): Partial<Record<Injection, number>> {
  if (!text) return {};
  const out: Partial<Record<Injection, number>> = {};
  for (const part of text.split(',')) {
    const [k, v] = part.split('=').map((s) => s.trim());
    const r = Number(v);
    if (k === 'all') {
      for (const x of KNOWN) out[x as Injection] = r;
      continue;
    }
    if (!KNOWN.includes(k)) throw new CliInputError(`--rate: unknown kind ${k} (known: all, ${KNOWN.join(', ')})`);
    if (!(r >= 0 && r <= 1)) throw new CliInputError(`--rate: ${k}=${v} must be a probability 0–1`);
    out[k as Injection] = r;
  }
  return out;
}

async function write(out: WriteStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

async function close(out: WriteStream): Promise<void> {
  out.end();
  await once(out, 'finish');
}

/** Drops empty strings, nulls and empty lists: optional fields left out mean the same to the importer, and files halve. */
function compact(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(compact);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === '' || x === null || x === undefined || (Array.isArray(x) && x.length === 0)) continue;
      out[k] = compact(x);
    }
    return out;
  }
  return v;
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : Array.isArray(v) ? v.join(';') : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function register(program: Command): void {
  program
    .command('generate')
    .description('synthetic, reproducible encounters (JSONL) with injected, labelled violations, a matching catalogue and the labels file')
    .requiredOption('--encounters <n>', 'number of encounters')
    .requiredOption('--seed <s>', 'seed: the same seed gives the same files')
    .requiredOption('--out <file.jsonl>', 'encounters file')
    .option('--labels <file>', 'labels (JSONL; default <out>.labels.jsonl)')
    .option('--catalogue <file>', 'matching catalogue (CSV; default <out>.catalogue.csv)')
    .option('--rate <kind=p,…>', `injection rates per encounter (screens per patient), e.g. all=0.01,gender=0.05; kinds: ${KNOWN.join(', ')}`)
    .option('--from <date>', 'first admission date', '2024-01-01')
    .option('--to <date>', 'admissions before this date', '2025-01-01')
    .action(async (o: { encounters: string; seed: string; out: string; labels?: string; catalogue?: string; rate?: string; from: string; to: string }) => {
      const n = Number(o.encounters);
      if (!Number.isInteger(n) || n < 1) throw new CliInputError('--encounters must be a whole number ≥ 1');
      if (!/^\d{4}-\d{2}-\d{2}$/.test(o.from) || !/^\d{4}-\d{2}-\d{2}$/.test(o.to) || o.from >= o.to) throw new CliInputError('--from/--to: dates YYYY-MM-DD with from < to');
      const rates = parseRates(o.rate);
      const out = createWriteStream(o.out);
      const labels = createWriteStream(o.labels ?? `${o.out}.labels.jsonl`);
      const bar = progressBar('generate', n);
      let i = 0;
      for (const g of generate({ encounters: n, seed: o.seed, from: o.from, to: o.to, rates })) {
        await write(out, JSON.stringify(compact(toImportShape(g.record))) + '\n');
        for (const l of g.labels) await write(labels, JSON.stringify(l) + '\n');
        if (++i % 1000 === 0) bar.update(i);
      }
      bar.update(i);
      bar.stop();
      await close(out);
      await close(labels);
      const cat = createWriteStream(o.catalogue ?? `${o.out}.catalogue.csv`);
      const cols = ['hilist_code', 'hilist_name', 'hilist_type', 'hilist_lv', 'selfpay_prop', 'price_cap', 'unit', 'limit_text', 'group_codes', 'region', 'effective_from', 'effective_to'] as const;
      await write(cat, cols.join(',') + '\n');
      for (const e of generatedCatalogue()) {
        const row = { ...e, price_cap: e.price_cap === null ? null : (e.price_cap / 100).toFixed(2) } as Record<string, unknown>;
        await write(cat, cols.map((c) => csvCell(row[c])).join(',') + '\n');
      }
      await close(cat);
      process.stderr.write(`generated ${i} encounters into ${o.out}\n`);
    });
}
