/** Test builders: compact encounters in the import shape, normalised by the real normaliser. */
import { normaliseImportEncounter } from '../../ingest/encounter.ts';
import type { Encounter, Patient } from '../../model/encounter.ts';
import { compilePack, type CompiledPack } from '../compile.ts';
import { evaluatePatient, type EvaluateOptions, type Finding } from '../evaluate.ts';
import type { Rule } from '../types.ts';

export interface L {
  code: string;
  name?: string;
  type?: string;
  cnt?: number;
  pric?: number;
  /** yyyy-MM-dd or yyyy-MM-dd HH:mm:ss */
  at?: string;
  rx?: string;
  rxno?: string;
  /** drord_stop_date */
  stop?: string;
  days?: number;
  doses?: number;
  current?: boolean;
  selfPaid?: boolean;
  ownpay?: number;
  dept?: string;
  doctor?: string;
  title?: number;
}

export interface E {
  id?: string;
  type?: '1' | '2' | '3';
  adm?: string;
  dscg?: string;
  lv?: string;
  admdvs?: string;
  insutype?: string;
  diagnoses?: string[];
  main?: string;
  ops?: string[];
  labs?: { code: string; value: number; at?: string }[];
  flags?: string[];
  /** send no fsi_lab_dtos / ext_flags key at all (a national-standard HIS: missing evidence, audit-api.md §2) */
  noLabs?: boolean;
  noFlags?: boolean;
  medins?: string;
  doctor?: string;
  lines: L[];
}

let seq = 0;
export function enc(e: E, patient: Partial<Patient> = {}): { patient: Patient; encounter: Encounter } {
  const id = e.id ?? `M${++seq}`;
  const raw = {
    patn_id: patient.patn_id ?? 'P1', patn_name: '测试', gend: patient.gend ?? '1', brdy: patient.brdy ?? '1960-06-15', poolarea: patient.poolarea ?? '610100',
    mdtrt_id: id, medins_id: e.medins ?? 'H1', medins_admdvs: e.admdvs ?? '610104', medins_lv: e.lv ?? '05', adm_date: e.adm ?? '2024-03-01 08:00:00', dscg_date: e.dscg ?? '',
    med_mdtrt_type: e.type ?? '2', insutype: e.insutype ?? '310', dr_codg: e.doctor ?? 'D1', dscg_main_dise_codg: e.main ?? '',
    fsi_diagnose_dtos: (e.diagnoses ?? []).map((d, i) => ({ dise_codg: d, maindise_flag: i === 0 && !e.main ? '1' : '0' })),
    fsi_operation_dtos: (e.ops ?? []).map((o) => ({ oprn_code: o })),
    fsi_lab_dtos: (e.labs ?? []).map((l) => ({ lab_code: l.code, rslt_val: l.value, test_date: l.at ?? '2024-03-01 07:00:00' })),
    ext_flags: e.flags ?? [],
    fsi_order_dtos: e.lines.map((l, i) => {
      const cnt = l.cnt ?? 1;
      const pric = l.pric ?? 10;
      const sum = Math.round(cnt * pric * 100) / 100;
      return {
        rx_id: l.rx ?? `${id}-R${i + 1}`, rxno: l.rxno ?? '', hilist_code: l.code, hilist_name: l.name ?? `项目${l.code}`, hilist_type: l.type ?? '101',
        cnt, pric, sumamt: sum, ownpay_amt: l.selfPaid ? sum : (l.ownpay ?? 0), drord_begn_date: l.at ?? e.adm ?? '2024-03-01 08:00:00',
        curr_drord_flag: l.current === false ? '0' : '1', ext_days: l.days, ext_doses: l.doses, drord_dept_codg: l.dept ?? '0303', drord_dr_codg: l.doctor ?? '',
        drord_dr_profttl: l.title, drord_stop_date: l.stop,
      };
    }),
  };
  if (e.noLabs) delete (raw as Partial<typeof raw>).fsi_lab_dtos;
  if (e.noFlags) delete (raw as Partial<typeof raw>).ext_flags;
  const r = normaliseImportEncounter(raw);
  if (!r.value) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

export function pack(rules: Partial<Rule>[], extra: Record<string, unknown> = {}): CompiledPack {
  return compilePack({
    pack: 'test', version: '1', name: '测试包', region: '*', effective_from: '2020-01-01',
    rules: rules.map((r, i) => ({ id: `R${i + 1}`, name: `规则${i + 1}`, category: 'QUANTITY', severity: 'violation', ...r })), ...extra,
  }, { catalogue: (extra.catalogue as never) ?? undefined });
}

/** Evaluates encounters of one patient; `current` defaults to all. */
export function run(p: CompiledPack, encounters: ReturnType<typeof enc>[], opts: Partial<EvaluateOptions> & { current?: string[] } = {}): Finding[] {
  return evaluatePatient([p], { patient: encounters[0].patient, encounters: encounters.map((x) => x.encounter), current: opts.current ? new Set(opts.current) : undefined }, { stage: 'post', ...opts });
}

/** Flagged (rx_id → amount in fen) of all findings. */
export function flagged(fs: Finding[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of fs) for (const l of f.lines) out[l.rx_id] = l.amount;
  return out;
}
