import { fenToYuan, type Fen } from '../model/money.ts';
import type { PatientEncounter } from '../model/encounter.ts';

const yuan = (f: Fen | null): number | null => (f === null ? null : fenToYuan(f));
const flag = (b: boolean): string => (b ? '1' : '0');

/** The stored encounter back in the import shape (claims-import.md), amounts in yuan. */
export function toImportShape({ patient, encounter: e }: PatientEncounter): Record<string, unknown> {
  const { patn_id: _ownerId, settlement, fsi_order_dtos, fsi_diagnose_dtos, fsi_operation_dtos, fsi_lab_dtos, ext_flags, no_lab_dtos, no_ext_flags, ...rest } = e;
  return {
    patn_id: patient.patn_id,
    patn_name: patient.patn_name,
    gend: patient.gend,
    brdy: patient.brdy,
    poolarea: patient.poolarea,
    ...rest,
    medfee_sumamt: yuan(e.medfee_sumamt),
    ownpay_amt: yuan(e.ownpay_amt),
    selfpay_amt: yuan(e.selfpay_amt),
    ...(settlement
      ? { setl_id: settlement.setl_id, setl_time: settlement.setl_time, hifp_pay: yuan(settlement.hifp_pay), psn_pay: yuan(settlement.psn_pay) }
      : {}),
    fsi_diagnose_dtos: fsi_diagnose_dtos.map((d) => ({ ...d, maindise_flag: flag(d.maindise_flag) })),
    fsi_operation_dtos: fsi_operation_dtos.map((o) => ({ ...o, main_oprn_flag: flag(o.main_oprn_flag) })),
    // evidence that was not carried stays absent, so that re-importing the output keeps the missing evidence (audit-api.md §2)
    ...(no_lab_dtos ? {} : { fsi_lab_dtos }),
    ...(no_ext_flags ? {} : { ext_flags }),
    fsi_order_dtos: fsi_order_dtos.map((o) => ({
      ...o,
      hilist_pric: yuan(o.hilist_pric),
      pric: yuan(o.pric),
      sumamt: yuan(o.sumamt),
      ownpay_amt: yuan(o.ownpay_amt),
      selfpay_amt: yuan(o.selfpay_amt),
      curr_drord_flag: flag(o.curr_drord_flag),
    })),
  };
}
