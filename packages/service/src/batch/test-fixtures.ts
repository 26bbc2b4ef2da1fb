/** Test support for batch runs: a deterministic set of encounters and a simple deterministic evaluator. */
import { fenToYuan, normaliseImportEncounter, type PatientEncounter } from '@fundguard/core';
import type { BatchEvaluator } from './batch-audit.ts';

export function syntheticEncounters(patients: number, perPatient: number): PatientEncounter[] {
  const out: PatientEncounter[] = [];
  for (let p = 0; p < patients; p++) {
    for (let e = 0; e < perPatient; e++) {
      const day = String(1 + ((p + e * 7) % 28)).padStart(2, '0');
      const raw = {
        patn_id: `P${String(p).padStart(5, '0')}`, patn_name: '测试', gend: p % 2 ? '1' : '2', brdy: '1960-01-01', poolarea: '610100',
        mdtrt_id: `M${p}-${e}`, medins_id: `H${p % 3}`, medins_admdvs: '610100', medins_lv: '05', adm_date: `2024-0${1 + (e % 3)}-${day} 08:00:00`,
        med_mdtrt_type: '1', insutype: '310', adm_dept_codg: `D${p % 4}`,
        fsi_order_dtos: Array.from({ length: 3 }, (_, l) => {
          const pric = 1000 + ((p * 31 + e * 17 + l * 7) % 90000);
          return { rx_id: `R${p}-${e}-${l}`, hilist_code: `X${l}`, cnt: 1, pric: fenToYuan(pric), sumamt: fenToYuan(pric), drord_dept_codg: `D${p % 4}`, drord_dr_codg: `DR${p % 5}` };
        }),
      };
      out.push(normaliseImportEncounter(raw).value!);
    }
  }
  return out;
}

/** Flags lines above ¥500 (one finding per encounter), as a stand-in for a rule pack in job-mechanics tests. */
export const over500: BatchEvaluator = (patient, encounters, current) =>
  encounters.filter((pe) => current.has(pe.encounter.mdtrt_id)).flatMap((pe) => {
    const lines = pe.encounter.fsi_order_dtos.filter((l) => l.sumamt > 50000);
    if (!lines.length) return [];
    const amount = lines.reduce((s, l) => s + l.sumamt, 0);
    return [{
      pack: 'test', pack_version: '1', rule_id: 'OVER500', rule_name: '单项超500元', category: 'QUANTITY', severity: 'violation' as const, appealable: true,
      mdtrt_id: pe.encounter.mdtrt_id, amount_fen: amount,
      result: { rule_id: 'OVER500', patn_id: patient.patn_id, mdtrt_id: pe.encounter.mdtrt_id, vola_amt: fenToYuan(amount), judge_result_detail_dtos: lines.map((l) => ({ rx_id: l.rx_id })) },
    }];
  });
