import { evaluatePatient, toResultRow, type CompiledPack } from '@fundguard/core';
import type { BatchEvaluator, EvaluatedFinding } from '../batch/batch-audit.ts';
import type { RulesSnapshot } from './active-rules.ts';

/** The batch evaluator at stage post over a rules snapshot (the active packs, or a draft set for impact replay). */
export function rulesEvaluator(snap: RulesSnapshot, runId: number, packs: readonly CompiledPack[] = snap.packs): BatchEvaluator {
  return (patient, encounters, current) =>
    evaluatePatient(packs, { patient, encounters: encounters.map((e) => e.encounter), current }, { stage: 'post', catalogue: snap.catalogue, listed: snap.listed })
      .map((f): EvaluatedFinding => ({
        pack: f.pack, pack_version: f.pack_version, rule_id: f.rule_id, rule_name: f.rule_name, category: f.category, severity: f.severity,
        appealable: f.appealable, mdtrt_id: f.mdtrt_id, amount_fen: f.amount, result: toResultRow(f, { salt: `run:${runId}` }),
      }));
}
