import { useState } from 'react';
import { Card, Descriptions, Input, Space, Switch, Table, Tag, Typography, Empty, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { navigate } from '../../router.ts';
import { Failure } from '../../components/Failure.tsx';
import { Masked } from '../../components/Masked.tsx';
import { fenToYuan, maskText, yuan } from '../../format.ts';
import { EncounterSearch } from './search.tsx';
import { useNames } from '../../dictionary.ts';

interface Line { rx_id: string; hilist_code: string; hilist_name: string; hilist_type: string; cnt: number; pric: number; sumamt: number; drord_begn_date: string | null; drord_dept_name: string; spec: string }
interface Encounter {
  mdtrt_id: string; patn_id: string; patn_name: string; gend: string; brdy: string | null; medins_id: string; medins_name: string; adm_date: string; dscg_date: string | null;
  adm_dept_name: string; dscg_main_dise_codg: string; dscg_main_dise_name: string; med_mdtrt_type: string; medfee_sumamt: number | null; hifp_pay?: number;
  fsi_order_dtos: Line[]; fsi_diagnose_dtos: { dise_codg: string; dise_name: string; maindise_flag: string }[];
}
interface Finding { id: string; run_id: number; rule_id: string; rule_name: string; severity: string; amount_fen: number; case_id: string | null; result: { vola_cont?: string; vola_evid?: string; judge_result_detail_dtos?: { rx_id: string }[] } }
interface Context { findings: Finding[]; history: { mdtrt_id: string; medins_id?: string; dscg_main_dise_codg?: string; medins_name: string; adm_date: string; dscg_main_dise_name: string; lines_sumamt: number; findings: number }[] }

const LINES_PER_PAGE = 50;
const SEV_COLOR: Record<string, string> = { violation: 'red', suspicious: 'orange', reminder: 'blue' };

function Lookup({ initial }: { initial?: string }) {
  const { t } = useTranslation();
  const [v, setV] = useState(initial ?? '');
  return (
    <Card size="small">
      <Space>
        <span>{t('encounter.lookup')}</span>
        <Input.Search value={v} onChange={(e) => setV(e.target.value)} enterButton={t('encounter.go')} style={{ width: 360 }} data-testid="encounter-lookup"
          onSearch={(x) => x.trim() && navigate(`/encounters/${encodeURIComponent(x.trim())}`)} />
      </Space>
    </Card>
  );
}

/** One encounter: patient (masked), diagnoses, its lines with flagged lines highlighted, its findings, the patient's history. */
export function EncounterPage({ params }: { params: Record<string, string> }) {
  const { t } = useTranslation();
  const names = useNames();
  const id = params.id;
  const [onlyFlagged, setOnlyFlagged] = useState(false);
  const [linePage, setLinePage] = useState<number | null>(null);
  const enc = useApi(() => (id ? api.get<Encounter>(`/api/v1/encounters/${encodeURIComponent(id)}`) : Promise.resolve(null)), [id]);
  const ctx = useApi(() => (id ? api.get<Context>(`/api/v1/encounters/${encodeURIComponent(id)}/context`) : Promise.resolve(null)), [id]);
  if (!id) return <EncounterSearch />;
  if (enc.error) return <Space direction="vertical" style={{ width: '100%' }}><Lookup initial={id} /><Failure error={enc.error} /></Space>;
  const e = enc.data;
  if (!e) return <Card loading />;
  // Findings of the newest run only: older runs of the same encounter repeat them.
  const latestRun = Math.max(0, ...(ctx.data?.findings ?? []).map((f) => f.run_id));
  const findings = (ctx.data?.findings ?? []).filter((f) => f.run_id === latestRun);
  const flagged = new Map<string, Finding[]>();
  for (const f of findings) for (const l of f.result?.judge_result_detail_dtos ?? []) flagged.set(l.rx_id, [...(flagged.get(l.rx_id) ?? []), f]);
  const lines = onlyFlagged ? e.fsi_order_dtos.filter((l) => flagged.has(l.rx_id)) : e.fsi_order_dtos;
  // Open the lines table on the page of the first flagged line.
  const firstFlagged = lines.findIndex((l) => flagged.has(l.rx_id));
  const page = linePage ?? (firstFlagged >= 0 ? Math.floor(firstFlagged / LINES_PER_PAGE) + 1 : 1);

  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }} data-testid="encounter">
      <Lookup initial={id} />
      <Card size="small" title={`${t('encounter.title')} ${e.mdtrt_id}`}>
        <Descriptions size="small" column={{ xs: 1, md: 3 }} items={[
          { label: t('encounter.name'), children: <Masked value={e.patn_name} kind="name" entityType="encounter" entityId={e.mdtrt_id} field="patn_name" /> },
          { label: t('encounter.patient'), children: <Masked value={e.patn_id} kind="id" entityType="encounter" entityId={e.mdtrt_id} field="patn_id" /> },
          { label: t('encounter.gender'), children: names.code('gend', e.gend) },
          { label: t('encounter.medins'), children: <>{e.medins_name || names.institution(e.medins_id)} <Typography.Text type="secondary">{e.medins_id}</Typography.Text></> },
          { label: t('encounter.dept'), children: e.adm_dept_name || names.department((e as unknown as { adm_dept_codg?: string }).adm_dept_codg) },
          { label: t('encounter.type'), children: t(`encounter.types.${e.med_mdtrt_type}`, { defaultValue: e.med_mdtrt_type }) },
          { label: t('encounter.adm'), children: e.adm_date },
          { label: t('encounter.dscg'), children: e.dscg_date ?? '—' },
          { label: t('encounter.diag'), children: e.dscg_main_dise_codg ? names.diagnosis(e.dscg_main_dise_codg, e.dscg_main_dise_name) : e.fsi_diagnose_dtos.filter((d) => d.maindise_flag === '1').map((d) => names.diagnosis(d.dise_codg, d.dise_name)).join('；') || '—' },
          { label: t('encounter.total'), children: yuan(e.medfee_sumamt) },
          { label: t('encounter.flagged'), children: <span data-testid="flagged-count">{flagged.size}</span> },
        ]} />
      </Card>
      <Card size="small" title={t('encounter.findings')}>
        <Table<Finding> size="small" rowKey="id" dataSource={findings} pagination={false} locale={{ emptyText: <Empty description={t('app.noData')} /> }}
          expandable={{ expandedRowRender: (f) => <div className="fg-evidence">{maskText(f.result?.vola_evid)}</div> }}
          columns={[
            { title: t('caseDetail.rule'), render: (_, f) => <>{f.rule_name || f.rule_id}<br /><Typography.Text type="secondary" style={{ fontSize: 12 }}>{f.rule_id}</Typography.Text></> },
            { title: t('caseDetail.severity'), dataIndex: 'severity', render: (v: string) => <Tag color={SEV_COLOR[v]}>{t(`severity.${v}`)}</Tag> },
            { title: t('caseDetail.amount'), dataIndex: 'amount_fen', align: 'right', render: (v: number) => fenToYuan(v) },
            { title: t('caseDetail.evidence'), render: (_, f) => maskText(f.result?.vola_cont) },
            { title: t('cases.id'), dataIndex: 'case_id', render: (v: string | null) => (v ? <a onClick={() => navigate(`/cases/${encodeURIComponent(v)}`)}>{v}</a> : '—') },
          ]} />
      </Card>
      <Card size="small" title={t('encounter.lines')} extra={<Space><span>{t('encounter.onlyFlagged')}</span><Switch size="small" checked={onlyFlagged} onChange={(v) => { setOnlyFlagged(v); setLinePage(null); }} /></Space>}>
        <Table<Line> size="small" rowKey="rx_id" dataSource={lines} data-testid="lines"
          pagination={{ pageSize: LINES_PER_PAGE, current: page, onChange: setLinePage, hideOnSinglePage: true, showSizeChanger: false }}
          rowClassName={(l) => (flagged.has(l.rx_id) ? 'fg-row-flagged' : '')}
          columns={[
            { title: t('encounter.rxId'), dataIndex: 'rx_id', width: 170 },
            { title: t('encounter.code'), dataIndex: 'hilist_code' },
            { title: t('encounter.item'), dataIndex: 'hilist_name' },
            { title: t('encounter.time'), dataIndex: 'drord_begn_date' },
            { title: t('encounter.qty'), dataIndex: 'cnt', align: 'right' },
            { title: t('encounter.price'), dataIndex: 'pric', align: 'right', render: (v: number) => yuan(v) },
            { title: t('encounter.sum'), dataIndex: 'sumamt', align: 'right', render: (v: number) => yuan(v) },
            { title: t('encounter.flagged'), render: (_, l) => (flagged.get(l.rx_id) ?? []).map((f) => <Tooltip key={f.id} title={f.rule_id}><Tag color={SEV_COLOR[f.severity]} data-testid="line-flag">{f.rule_name || f.rule_id}</Tag></Tooltip>) },
          ]} />
      </Card>
      <Card size="small" title={t('encounter.diagnoses')}>
        <Space wrap>{e.fsi_diagnose_dtos.map((d) => <Tag key={d.dise_codg} color={d.maindise_flag === '1' ? 'blue' : undefined}>{names.diagnosis(d.dise_codg, d.dise_name)}</Tag>)}</Space>
      </Card>
      <Card size="small" title={t('encounter.history')}>
        <Table<Context['history'][number]> size="small" rowKey="mdtrt_id" dataSource={ctx.data?.history ?? []} pagination={{ pageSize: 10, hideOnSinglePage: true }}
          columns={[
            { title: t('encounter.lookup'), dataIndex: 'mdtrt_id', render: (v: string) => (v === id ? <Typography.Text strong>{v}</Typography.Text> : <a onClick={() => navigate(`/encounters/${encodeURIComponent(v)}`)}>{v}</a>) },
            { title: t('encounter.adm'), dataIndex: 'adm_date' },
            { title: t('encounter.medins'), render: (_: unknown, r: Context['history'][number]) => r.medins_name || names.institution(r.medins_id) },
            { title: t('encounter.diag'), render: (_: unknown, r: Context['history'][number]) => r.dscg_main_dise_name || names.diagnosis(r.dscg_main_dise_codg) },
            { title: t('encounter.total'), dataIndex: 'lines_sumamt', align: 'right', render: (v: number) => fenToYuan(v) },
            { title: t('encounter.findings'), dataIndex: 'findings', align: 'right' },
          ]} />
      </Card>
    </Space>
  );
}
