import { fenToYuan, type Fen } from '../model/money.ts';
import type { SettlementResult } from './calculator.ts';

/** One part of a settlement, told to the insured person in plain Chinese. */
export interface ExplainedPart {
  /** the settlement.md amount this sentence explains */
  part: 'medfee_sumamt' | 'fulamt_ownpay_amt' | 'overlmt_selfpay' | 'preselfpay_amt' | 'act_pay_dedc' | 'hifp_pay' | 'pool_prop_selfpay' | 'over_cap' | 'hifmi_pay' | 'psn_part_amt';
  amount_fen: Fen;
  text: string;
}

const y = (fen: Fen) => `${fenToYuan(fen).toFixed(2)} 元`;
const names = (lines: SettlementResult['lines'], pick: (l: SettlementResult['lines'][number]) => Fen, max = 5) => {
  const hit = lines.filter((l) => pick(l) > 0);
  const shown = hit.slice(0, max).map((l) => `${l.hilist_name || l.hilist_code} ${y(pick(l))}`).join('、');
  return hit.length > max ? `${shown} 等 ${hit.length} 项` : shown;
};

/**
 * Why each part of a settlement was paid by whom, for the insured person's view: the sentences a clerk would say
 * (丙类 and 目录外 are fully self-paid, 乙类 先行自付, the deductible 起付线, the ratio, the annual cap 封顶线, 大病保险).
 * Only parts that are not zero are told, except the totals.
 */
export function explainSettlement(r: SettlementResult, opts: { inpatient: boolean; admissionsBefore: number }): ExplainedPart[] {
  const f = r.fen;
  const out: ExplainedPart[] = [];
  const add = (part: ExplainedPart['part'], amount: Fen, text: string) => out.push({ part, amount_fen: amount, text });
  add('medfee_sumamt', f.medfee_sumamt, `本次${opts.inpatient ? '住院' : '就诊'}医疗费用共 ${y(f.medfee_sumamt)}，其中医保基金支付 ${y(f.fund_pay_sumamt)}，您个人负担 ${y(f.psn_part_amt)}。`);
  if (f.fulamt_ownpay_amt > 0) {
    add('fulamt_ownpay_amt', f.fulamt_ownpay_amt, `${y(f.fulamt_ownpay_amt)} 属于丙类或医保目录外项目（或已按自费结算），医保不予支付，全部由个人负担：${names(r.lines, (l) => l.fulamt_ownpay)}。`);
  }
  if (f.overlmt_selfpay > 0) {
    add('overlmt_selfpay', f.overlmt_selfpay, `${y(f.overlmt_selfpay)} 是收费价格超过医保最高支付限价的部分，由个人负担：${names(r.lines, (l) => l.overlmt_selfpay)}。`);
  }
  if (f.preselfpay_amt > 0) {
    add('preselfpay_amt', f.preselfpay_amt, `${y(f.preselfpay_amt)} 是乙类项目按规定比例先由个人支付的部分（先行自付）：${names(r.lines, (l) => l.preselfpay)}。`);
  }
  if (f.act_pay_dedc > 0) {
    add('act_pay_dedc', f.act_pay_dedc, opts.inpatient
      ? `${y(f.act_pay_dedc)} 是起付线（起付标准）以下的费用，由个人支付；这是您本年度第 ${opts.admissionsBefore + 1} 次住院，${r.level} 级医院的起付标准按本年住院次数确定。`
      : `${y(f.act_pay_dedc)} 是门诊起付线以下的费用，由个人支付；本年度累计达到起付线后不再重复扣除。`);
  }
  const ratioPct = r.ratio / 100;
  add('hifp_pay', f.hifp_pay, `政策范围内费用 ${y(f.inscp_scp_amt)} 扣除起付线后，统筹基金按 ${ratioPct}% 支付 ${y(f.hifp_pay)}。`);
  if (f.pool_prop_selfpay - r.over_cap > 0) {
    add('pool_prop_selfpay', f.pool_prop_selfpay - r.over_cap, `${y(f.pool_prop_selfpay - r.over_cap)} 是起付线以上、政策范围内费用中按比例由个人负担的部分（${Math.round((100 - ratioPct) * 100) / 100}%）。`);
  }
  if (r.over_cap > 0) {
    add('over_cap', r.over_cap, `本年度统筹基金支付已达到年度最高支付限额（封顶线），超过封顶线的 ${y(r.over_cap)} 统筹基金不再支付，由个人负担${f.hifmi_pay > 0 ? '，其中符合规定的部分由大病保险报销' : ''}。`);
  }
  if (f.hifmi_pay > 0) {
    add('hifmi_pay', f.hifmi_pay, `您本年度政策范围内个人负担累计已超过大病保险起付标准，大病保险再支付 ${y(f.hifmi_pay)}。`);
  }
  add('psn_part_amt', f.psn_part_amt, `合计个人负担 ${y(f.psn_part_amt)}。`);
  return out;
}
