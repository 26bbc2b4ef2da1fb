import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { parseSettlementRequest, settle, settlementOutput } from '@fundguard/core';
import { readCatalogueFile } from '@fundguard/service/packs-io.ts';
import { CliInputError } from '../exit.ts';

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new CliInputError(`cannot read ${what} ${file}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliInputError(`${what} ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

export function register(program: Command): void {
  program
    .command('settle')
    .description('stateless settlement of one encounter per settlement.md; prints the output JSON with its trace')
    .requiredOption('--policy <policy.json>', 'policy parameter set')
    .requiredOption('--encounter <encounter.json>', 'the encounter (claims-import.md shape)')
    .option('--catalogue <file>', 'catalogue (CSV, XLSX or JSONL); without it classes and caps come from the lines')
    .option('--accumulators <acc.json>', 'year-to-date accumulators {admissions, deductible_met, fund_paid, catastrophic_base, catastrophic_paid}')
    .option('--retiree', 'the person is retired')
    .action(async (o: { policy: string; encounter: string; catalogue?: string; accumulators?: string; retiree?: boolean }) => {
      const catalogue = o.catalogue ? (await readCatalogueFile(o.catalogue)).map((e) => ({ ...e, price_cap: e.price_cap === null ? null : e.price_cap / 100 })) : undefined;
      const input = parseSettlementRequest({
        policy: readJson(o.policy, 'policy'), encounter: readJson(o.encounter, 'encounter'), person: { retiree: o.retiree === true },
        catalogue, accumulators: o.accumulators ? readJson(o.accumulators, 'accumulators') : {},
      });
      process.stdout.write(JSON.stringify(settlementOutput(settle(input)), null, 2) + '\n');
    });
}
