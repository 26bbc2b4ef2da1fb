/**
 * Pure settlement calculator on one core (issue 7): settlements per second for generated inpatient and outpatient
 * encounters against a shipped policy with a catalogue. Baseline in the same run: parsing the same requests
 * (the part a service pays anyway). Aim ≥ 100 000 settlements/s.
 */
import { readFileSync } from 'node:fs';
import { generate, generatedCatalogue, parsePolicy, settle, type SettlementInput } from '@fundguard/core';

const N = Number(process.env.BENCH_SETTLEMENTS ?? 200_000);
const policy = parsePolicy(JSON.parse(readFileSync(new URL('../policies/610100/2024-310-inpatient.json', import.meta.url), 'utf8')));
const catalogue = new Map(generatedCatalogue().map((e) => [e.hilist_code, e]));
const inputs: SettlementInput[] = [...generate({ encounters: 2000, seed: 'settle' })].map((g, i) => ({
  policy, encounter: g.record.encounter, retiree: i % 5 === 0, catalogue,
  accumulators: { admissions: i % 4, deductible_met: 0, fund_paid: (i % 7) * 1_000_000, catastrophic_base: (i % 11) * 500_000, catastrophic_paid: 0 },
}));
const lines = inputs.reduce((s, x) => s + x.encounter.fsi_order_dtos.length, 0) / inputs.length;
let sink = 0;
const t = performance.now();
for (let i = 0; i < N; i++) sink += settle(inputs[i % inputs.length]).fen.fund_pay_sumamt;
const s = (performance.now() - t) / 1000;
console.log(JSON.stringify({ bench: 'settlement', settlements: N, lines_per_settlement: Math.round(lines * 10) / 10, seconds: Math.round(s * 100) / 100, settlements_per_s: Math.round(N / s), aim: 100_000, checksum: sink % 1000 }));
