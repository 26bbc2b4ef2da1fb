import { useState } from 'react';
import { Alert, Button, Card, DatePicker, Descriptions, Drawer, Space, Table, Tabs, Tag } from 'antd';
import { DataTable } from '../../components/DataTable.tsx';
import dayjs from 'dayjs';
import { useNames } from '../../dictionary.ts';
import { MonthPicker } from '../../components/Dates.tsx';
import { InstitutionPicker } from '../../components/InstitutionPicker.tsx';
import { Calculator } from './calculator.tsx';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { useSession } from '../../session.tsx';
import { Failure } from '../../components/Failure.tsx';
import { dateTime, fenToYuan, int, yuan } from '../../format.ts';

export interface PolicySet { id: number; region: string; year: number; insutype: string; scenario: string; version: string; effective_from: string; effective_to: string; body: Record<string, unknown> }
interface TraceStep { step: number; name: string; value: number; detail: string }
export interface Explained { part: string; amount_fen: number; text: string }
export type SettlementResult = Record<string, unknown> & { trace?: TraceStep[]; explanation?: Explained[] };
export interface SettlementRow { setl_id: string; mdtrt_id: string; patn_id: string; medins_id: string; status: 'settled' | 'reversed'; settled_at: string; reversed_at: string | null; result: SettlementResult }
interface Statement {
  medins_id: string; month: string;
  settled: { count: number; medfee_fen: number; hifp_fen: number; hifmi_fen: number; fund_pay_fen: number };
  reversed: { count: number; medfee_fen: number; hifp_fen: number; hifmi_fen: number; fund_pay_fen: number };
  deductions: { case_id: string; month: string; deduction_fen: number; final_at: string }[];
  fines: { case_id: string; kind: string; fine_fen: number; basis: string; at: string }[];
  gross_fund_fen: number; deductions_fen: number; fines_fen: number; payable_fen: number;
}

/** The amounts (yuan) of a settlement.md output, its trace and, when stored, the plain-Chinese explanation. */
export function SettlementOutput({ out }: { out: SettlementResult }) {
  const { t } = useTranslation();
  const amounts = Object.entries(out).filter(([, v]) => typeof v === 'number') as [string, number][];
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Descriptions size="small" bordered column={2} title={t('settlement.result')} items={amounts.map(([k, v]) => ({ label: t(`fields.${k}`, { defaultValue: k }), children: k === 'ratio' ? `${Math.round(v * 1000) / 10}%` : k === 'level' ? String(v) : yuan(v) }))} />
      {out.explanation?.length ? (
        <Card size="small" title={t('settlement.explanation')}>
          {out.explanation.map((e) => <p key={e.part} style={{ margin: '4px 0' }}>{e.text}</p>)}
        </Card>
      ) : null}
      <Table<TraceStep> size="small" rowKey={(r) => `${r.step}-${r.name}`} dataSource={out.trace ?? []} pagination={false} title={() => t('settlement.trace')} data-testid="trace"
        columns={[{ title: '#', dataIndex: 'step', width: 50 }, { title: t('settlement.step'), dataIndex: 'name', render: (v: string) => t(`fields.${v}`, { defaultValue: v }) }, { title: t('settlement.value'), dataIndex: 'value', align: 'right', render: (v: number) => yuan(v) }, { title: t('settlement.detail'), dataIndex: 'detail' }]} />
    </Space>
  );
}

/** 西安市 · 2024 年 · 职工基本医疗保险 · 住院 · v1（2024-01-01 起） */
export function usePolicyLabel() {
  const { t } = useTranslation();
  const names = useNames();
  return (s: PolicySet) => t('settlement.policyLabel', { region: names.region(s.region), year: s.year, insutype: names.code('insutype', s.insutype), scenario: names.code('scenario', s.scenario), version: s.version,
    period: s.effective_to ? t('settlement.period', { from: s.effective_from, to: s.effective_to }) : t('settlement.periodOpen', { from: s.effective_from }) });
}

const PAGE = 50;

function Settlements() {
  const { t } = useTranslation();
  const { me } = useSession();
  const names = useNames();
  const [q, setQ] = useState<{ medins_id?: string; year?: string; page: number }>({ page: 0 });
  const list = useApi(() => api.get<{ items: SettlementRow[] }>('/api/v1/settlements', { medins_id: q.medins_id, year: q.year, limit: PAGE, offset: q.page * PAGE }), [q.medins_id, q.year, q.page]);
  const [open, setOpen] = useState<SettlementRow | null>(null);
  if (list.error) return <Failure error={list.error} />;
  const items = list.data?.items ?? [];
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space wrap>
        {me.role !== 'hospital' ? <InstitutionPicker value={q.medins_id} onChange={(v) => setQ({ ...q, medins_id: v, page: 0 })} /> : null}
        <DatePicker picker="year" allowClear placeholder={t('settlement.year')} value={q.year ? dayjs(`${q.year}-01-01`) : null} onChange={(d) => setQ({ ...q, year: d ? d.format('YYYY') : undefined, page: 0 })} />
      </Space>
      <DataTable<SettlementRow> tableId="settlements" exportName={t('settlement.listTab')} size="small" rowKey="setl_id" dataSource={items} loading={list.loading} pagination={false} onRow={(r) => ({ onClick: () => setOpen(r) })}
        savedFilters={{ value: { medins_id: q.medins_id ?? '', year: q.year ?? '' }, apply: (v) => setQ({ medins_id: v.medins_id || undefined, year: v.year || undefined, page: 0 }) }}
        columns={[
          { key: 'setl_id', title: t('settlement.setlId'), dataIndex: 'setl_id' },
          { key: 'mdtrt_id', title: t('encounter.lookup'), dataIndex: 'mdtrt_id' },
          { key: 'medins', title: t('settlement.medins'), dataIndex: 'medins_id', render: (v: string) => names.institution(v), exportValue: (r) => names.institution(r.medins_id) },
          { key: 'status', title: t('settlement.status'), dataIndex: 'status', render: (s: string) => <Tag color={s === 'settled' ? 'green' : 'default'}>{names.code('setl_status', s)}</Tag>, exportValue: (r) => names.code('setl_status', r.status) },
          { key: 'settled_at', title: t('settlement.settledAt'), dataIndex: 'settled_at', render: dateTime, exportValue: (r) => dateTime(r.settled_at) },
          { key: 'total', title: t('settlement.total'), render: (_, r) => yuan(r.result.medfee_sumamt as number), exportValue: (r) => r.result.medfee_sumamt as number, exportFormat: 'yuan' },
          { key: 'fund', title: t('settlement.fund'), render: (_, r) => yuan(r.result.hifp_pay as number), exportValue: (r) => r.result.hifp_pay as number, exportFormat: 'yuan' },
          { key: 'deductible', title: t('fields.act_pay_dedc'), defaultHidden: true, render: (_, r) => yuan(r.result.act_pay_dedc as number), exportValue: (r) => r.result.act_pay_dedc as number, exportFormat: 'yuan' },
          { key: 'person', title: t('settlement.personPart'), render: (_, r) => yuan(r.result.psn_part_amt as number), exportValue: (r) => r.result.psn_part_amt as number, exportFormat: 'yuan' },
        ]} />
      <Space>
        <Button disabled={q.page === 0} onClick={() => setQ({ ...q, page: q.page - 1 })}>{t('lists.prev')}</Button>
        <span>{t('lists.page', { n: q.page + 1 })}</span>
        <Button disabled={items.length < PAGE} onClick={() => setQ({ ...q, page: q.page + 1 })}>{t('lists.next')}</Button>
      </Space>
      <Drawer open={!!open} onClose={() => setOpen(null)} size="large" title={open ? `${open.setl_id} · ${names.institution(open.medins_id)}` : ''}>{open ? <SettlementOutput out={open.result} /> : null}</Drawer>
    </Space>
  );
}

function Statements() {
  const { t } = useTranslation();
  const { me } = useSession();
  const names = useNames();
  // Open on the institution and month of the newest settlement, not on a month without data.
  const latest = useApi(() => api.get<{ items: SettlementRow[] }>('/api/v1/settlements', { medins_id: me.institutionId ?? undefined, limit: 1 }), [me.institutionId]);
  const [picked, setPicked] = useState<{ medins?: string; month?: string }>({});
  const newest = latest.data?.items[0];
  const medins = picked.medins ?? me.institutionId ?? newest?.medins_id;
  const month = picked.month ?? (newest ? dateTime(newest.settled_at).slice(0, 7) : undefined);
  const st = useApi(() => (medins && month ? api.get<Statement>(`/api/v1/statements/${encodeURIComponent(medins)}/${month}`) : Promise.resolve(null)), [medins, month]);
  const s = st.data;
  const empty = s && !s.settled.count && !s.reversed.count && !s.deductions.length && !s.fines.length;
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space wrap>
        {me.role === 'hospital' ? <Tag>{names.institution(me.institutionId)}</Tag> : <InstitutionPicker value={medins} onChange={(v) => setPicked({ ...picked, medins: v })} testId="statement-medins" />}
        <MonthPicker value={month} onChange={(m) => setPicked({ ...picked, month: m })} testId="statement-month" />
        {medins && month ? <Button onClick={() => api.download(`/api/v1/statements/${encodeURIComponent(medins)}/${month}`, `statement-${medins}-${month}.xlsx`, { format: 'xlsx' })}>{t('settlement.download')}</Button> : null}
      </Space>
      {st.error ? <Failure error={st.error} /> : s ? (
        <>
          {empty ? <Alert type="info" showIcon title={t('settlement.statementEmpty', { month })} /> : null}
          <Descriptions size="small" bordered column={2} data-testid="statement" items={[
            { label: t('settlement.settled'), children: t('settlement.countAmount', { n: int(s.settled.count), amount: fenToYuan(s.settled.fund_pay_fen) }) },
            { label: t('settlement.reversed'), children: t('settlement.countAmount', { n: int(s.reversed.count), amount: fenToYuan(-s.reversed.fund_pay_fen) }) },
            { label: t('settlement.gross'), children: fenToYuan(s.gross_fund_fen) },
            { label: t('settlement.deductions'), children: fenToYuan(-s.deductions_fen) },
            { label: t('settlement.fines'), children: fenToYuan(-s.fines_fen) },
            { label: t('settlement.payable'), children: <b>{fenToYuan(s.payable_fen)}</b> },
          ]} />
          <DataTable<Statement['deductions'][number]> tableId="statement-deductions" exportName={`${t('settlement.deductions')}-${names.institution(medins)}-${month}`} size="small" rowKey="case_id" dataSource={s.deductions} pagination={false}
            toolbar={<b>{t('settlement.deductions')}</b>} locale={{ emptyText: t('settlement.noDeductions') }}
            columns={[{ key: 'case_id', title: t('settlement.caseId'), dataIndex: 'case_id' }, { key: 'month', title: t('settlement.month'), dataIndex: 'month' },
              { key: 'deduction', title: t('settlement.value'), dataIndex: 'deduction_fen', align: 'right', render: (v: number) => fenToYuan(v), exportValue: (d) => d.deduction_fen / 100, exportFormat: 'yuan' },
              { key: 'final_at', title: t('caseDetail.at'), dataIndex: 'final_at', render: dateTime, exportValue: (d) => dateTime(d.final_at) }]} />
        </>
      ) : null}
    </Space>
  );
}

/** Settlement: the calculator with its trace (POST /api/v1/settlement/calculate), stored settlements, institution statements. */
export function SettlementPage() {
  const { t } = useTranslation();
  const { me } = useSession();
  const tabs = [
    ...(['admin', 'auditor', 'hospital', 'rule_admin'].includes(me.role) ? [{ key: 'calc', label: t('settlement.calculatorTab'), children: <Calculator /> }] : []),
    { key: 'list', label: t('settlement.listTab'), children: <Settlements /> },
    ...(me.role !== 'rule_admin' ? [{ key: 'statement', label: t('settlement.statementTab'), children: <Statements /> }] : []),
  ];
  return <Card size="small" data-testid="settlement"><Tabs items={tabs} destroyOnHidden /></Card>;
}
