import { useEffect, useState } from 'react';
import { App, Button, Card, Col, InputNumber, Progress, Row, Select, Space, Statistic, Table, Tabs, Tag, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { navigate } from '../../router.ts';
import { useSession } from '../../session.tsx';
import { Failure } from '../../components/Failure.tsx';
import { DayRange } from '../../components/Dates.tsx';
import { InstitutionPicker } from '../../components/InstitutionPicker.tsx';
import { useNames } from '../../dictionary.ts';
import { useConfirm } from '../../components/confirm.ts';
import { Masked } from '../../components/Masked.tsx';
import { dateTime, fenToYuan, int, maskText, yuan } from '../../format.ts';
import { Inspection, Sampling } from './sampling.tsx';
import { DataTable } from '../../components/DataTable.tsx';

interface ScreeningRun { id: number; status: 'running' | 'done' | 'failed'; params: Record<string, unknown>; total_institutions: number; done_institutions: number; encounters: number; leads: number; actor: string; error: string | null; warning?: string | null; started_at: string; finished_at: string | null }
interface Lead {
  lead_id: string; category: string; subject_type: string; subject_ids: string[]; medins_id: string; score: number; summary: string; amount_at_risk: number;
  factors: { factor: string; points: number; detail: string }[];
  evidence: { mdtrt_id: string; patn_id: string; medins_id: string; adm_date: string; dscg_date: string | null; amount: number; note: string }[];
}
interface QueueItem { mdtrt_id: string; medins_id: string; patn_id: string; month: string; risk: number; factors: unknown; amount_fen: number; status: string; assigned_to: string | null; assigned_on: string | null; outcome: string | null }
interface Backlog { by_status: Record<string, number>; queued_amount_fen: number; queued_by_risk: { band: string; n: number }[]; reviewers: number; capacity_per_day: number; days_to_clear: number }

const SCREENS = ['READMISSION', 'ADMISSION_FREQUENCY', 'CO_ADMISSION', 'SIMILAR_COST', 'GHOST_BED', 'PEER_OUTLIER', 'OVERLAPPING_CARE', 'AFTER_DEATH', 'DRUG_HOARDING'];
const PAGE = 20;
const openEncounter = (id: string) => navigate(`/encounters/${encodeURIComponent(id)}`);

function Leads() {
  const { t, i18n } = useTranslation();
  const names = useNames();
  const { message } = App.useApp();
  const runs = useApi(() => api.get<{ items: ScreeningRun[] }>('/api/v1/screening-runs'), []);
  const [scope, setScope] = useState({ from: '2024-01-01', to: '2025-01-01', medins_id: '' });
  const [runId, setRunId] = useState<number | null>(null);
  const [f, setF] = useState<{ category?: string; medins_id?: string; min_score?: number; page: number }>({ page: 1 });
  const items = runs.data?.items ?? [];
  const running = items.some((r) => r.status === 'running');
  useEffect(() => {
    if (!running) return;
    const h = setInterval(runs.reload, 1000);
    return () => clearInterval(h);
  }, [running, runs.reload]);
  const current = runId ?? items.find((r) => r.status === 'done')?.id ?? null;
  const currentStatus = items.find((r) => r.id === current)?.status;
  const leads = useApi(() => (current ? api.get<{ total: number; items: Lead[] }>(`/api/v1/screening-runs/${current}/leads`, { category: f.category, medins_id: f.medins_id, min_score: f.min_score, limit: PAGE, offset: (f.page - 1) * PAGE }) : Promise.resolve({ total: 0, items: [] })),
    // again when the shown run finishes: its leads are written all at once at the end
    [current, currentStatus, f.category, f.medins_id, f.min_score, f.page]);
  const subject = (l: Lead) => (l.subject_type === 'doctor' ? l.subject_ids.map((d) => names.doctor(d)).join('、') : t(`screening.subjects.${l.subject_type}`, { n: l.subject_ids.length, defaultValue: l.subject_type }));
  const start = async () => {
    try {
      const r = await api.post<ScreeningRun>('/api/v1/screening-runs', { from: scope.from, to: scope.to, ...(scope.medins_id ? { medins_id: scope.medins_id } : {}) });
      setRunId(r.id);
      runs.reload();
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  if (runs.error) return <Failure error={runs.error} />;
  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }}>
      <Space wrap>
        <span>{t('runs.period')}</span><DayRange value={scope} onChange={(v) => setScope({ ...scope, from: v.from ?? scope.from, to: v.to ?? scope.to })} />
        <InstitutionPicker placeholder={t('runs.medins')} value={scope.medins_id || undefined} onChange={(v) => setScope({ ...scope, medins_id: v ?? '' })} />
        <Button type="primary" onClick={start} data-testid="screening-start">{t('screening.start')}</Button>
      </Space>
      <Table<ScreeningRun> size="small" rowKey="id" dataSource={items} pagination={{ pageSize: 5, hideOnSinglePage: true }} data-testid="screening-runs"
        rowSelection={{ type: 'radio', selectedRowKeys: current ? [current] : [], onChange: (k) => { setRunId(Number(k[0])); setF({ page: 1 }); } }}
        columns={[
          { title: t('runs.id'), dataIndex: 'id' },
          { title: t('runs.status'), dataIndex: 'status', render: (s: string, r) => <>
            <Tag color={s === 'done' ? 'success' : s === 'failed' ? 'error' : 'processing'}>{t(`runs.st.${s}`, { defaultValue: s })}</Tag>
            {r.warning ? <Tooltip title={r.warning}><Tag color="warning" data-testid="screening-warning">⚠ {r.warning.split(':')[0]}</Tag></Tooltip> : null}
          </> },
          { title: t('runs.progress'), width: 200, render: (_, r) => <Progress size="small" percent={r.total_institutions ? Math.floor((100 * r.done_institutions) / r.total_institutions) : 100} status={r.status === 'failed' ? 'exception' : r.status === 'running' ? 'active' : undefined} /> },
          { title: t('runs.encounters'), dataIndex: 'encounters', align: 'right', render: int },
          { title: t('screening.leads'), dataIndex: 'leads', align: 'right', render: int },
          { title: t('runs.actor'), dataIndex: 'actor' },
          { title: t('runs.started'), dataIndex: 'started_at', render: dateTime },
        ]} />
      {current ? (
        <Card size="small" title={`${t('screening.leads')} · #${current}`}>
          <Space wrap style={{ marginBottom: 12 }}>
            <Select allowClear placeholder={t('screening.category')} style={{ width: 180 }} value={f.category} onChange={(category) => setF({ ...f, category, page: 1 })}
              options={SCREENS.map((c) => ({ value: c, label: t(`category.${c}`, { defaultValue: c }) }))} />
            <InstitutionPicker value={f.medins_id} onChange={(v) => setF({ ...f, medins_id: v, page: 1 })} />
            <InputNumber min={0} max={100} placeholder={t('screening.minScore')} style={{ width: 140 }} value={f.min_score} onChange={(v) => setF({ ...f, min_score: v ?? undefined, page: 1 })} />
          </Space>
          {leads.error ? <Failure error={leads.error} /> : (
            <DataTable<Lead> tableId="leads" exportName={t('screening.leads')} size="small" rowKey="lead_id" dataSource={leads.data?.items ?? []} loading={leads.loading} data-testid="leads"
              exportAll={{ total: leads.data?.total ?? 0, fetch: async (offset, limit) => (await api.get<{ items: Lead[] }>(`/api/v1/screening-runs/${current}/leads`, { category: f.category, medins_id: f.medins_id, min_score: f.min_score, limit, offset })).items }}
              savedFilters={{ value: { category: f.category ?? '', medins_id: f.medins_id ?? '', min_score: f.min_score === undefined ? '' : String(f.min_score) },
                apply: (v) => setF({ category: v.category || undefined, medins_id: v.medins_id || undefined, min_score: v.min_score ? Number(v.min_score) : undefined, page: 1 }) }}
              pagination={{ current: f.page, pageSize: PAGE, total: leads.data?.total ?? 0, showSizeChanger: false, showTotal: (n) => t('total', { n }), onChange: (page) => setF({ ...f, page }) }}
              expandable={{ expandedRowRender: (l) => (
                <Row gutter={16}>
                  <Col span={10}>
                    <Typography.Text strong>{t('screening.factors')}</Typography.Text>
                    {l.factors.map((x) => <div key={x.factor} className="fg-evidence">{t('screening.points', { n: x.points })} · {i18n.language === 'en' ? `${x.factor}: ` : ''}{maskText(x.detail)}</div>)}
                  </Col>
                  <Col span={14}>
                    <Table size="small" rowKey={(e) => e.mdtrt_id} dataSource={l.evidence} pagination={false}
                      columns={[
                        { title: t('encounter.lookup'), dataIndex: 'mdtrt_id', render: (v: string) => <a onClick={() => openEncounter(v)}>{v}</a> },
                        { title: t('encounter.patient'), dataIndex: 'patn_id', render: (v: string, e) => <Masked value={v} kind="id" entityType="encounter" entityId={e.mdtrt_id} field="patn_id" /> },
                        { title: t('encounter.adm'), dataIndex: 'adm_date' },
                        { title: t('encounter.dscg'), dataIndex: 'dscg_date' },
                        { title: t('encounter.total'), dataIndex: 'amount', align: 'right', render: (v: number) => yuan(v) },
                        { title: t('settlement.detail'), dataIndex: 'note', render: (v: string) => maskText(v) },
                      ]} />
                  </Col>
                </Row>
              ) }}
              columns={[
                { key: 'score', title: t('screening.score'), dataIndex: 'score', align: 'right', width: 70, render: (v: number) => <Tag color={v >= 80 ? 'red' : v >= 50 ? 'orange' : 'default'}>{v}</Tag> },
                { key: 'category', title: t('screening.category'), dataIndex: 'category', render: (v: string) => t(`category.${v}`, { defaultValue: v }), exportValue: (l) => t(`category.${l.category}`, { defaultValue: l.category }) },
                { key: 'subject', title: t('screening.subject'), render: (_, l) => subject(l), exportValue: subject },
                { key: 'medins', title: t('cases.medins'), dataIndex: 'medins_id', render: (v: string) => names.institution(v), exportValue: (l) => names.institution(l.medins_id) },
                { key: 'summary', title: t('screening.summary'), dataIndex: 'summary', render: (v: string) => <span data-testid="lead-summary">{maskText(v)}</span>, exportValue: (l) => maskText(l.summary) },
                { key: 'at_risk', title: t('screening.atRisk'), dataIndex: 'amount_at_risk', align: 'right', render: (v: number) => yuan(v), exportValue: (l) => l.amount_at_risk, exportFormat: 'yuan' },
              ]} />
          )}
        </Card>
      ) : null}
    </Space>
  );
}

function Queue() {
  const { t } = useTranslation();
  const names = useNames();
  const { message } = App.useApp();
  const { me } = useSession();
  const [q, setQ] = useState<{ status?: string; page: number }>({ page: 1 });
  const backlog = useApi(() => api.get<Backlog>('/api/v1/review-queue/backlog'), []);
  const list = useApi(() => api.get<{ total: number; items: QueueItem[] }>('/api/v1/review-queue', { status: q.status, limit: PAGE, offset: (q.page - 1) * PAGE }), [q.status, q.page]);
  const [build, setBuild] = useState<{ from: string; to: string; threshold: number; audit_run_id?: number; screening_run_id?: number }>({ from: '2024-01-01', to: '2025-01-01', threshold: 30 });
  const reload = () => {
    backlog.reload();
    list.reload();
  };
  const confirm = useConfirm();
  const act = async (p: () => Promise<unknown>, done: string) => {
    try {
      await p();
      message.success(done);
      reload();
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  if (list.error) return <Failure error={list.error} />;
  const b = backlog.data;
  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }}>
      {b ? (
        <Row gutter={16}>
          <Col xs={12} md={4}><Statistic title={t('screening.queued')} value={b.by_status.queued ?? 0} /></Col>
          <Col xs={12} md={4}><Statistic title={t('screening.assigned')} value={b.by_status.assigned ?? 0} /></Col>
          <Col xs={12} md={4}><Statistic title={t('screening.autoPassed')} value={b.by_status.auto_passed ?? 0} /></Col>
          <Col xs={12} md={4}><Statistic title={t('screening.queuedAmount')} value={fenToYuan(b.queued_amount_fen)} /></Col>
          <Col xs={12} md={4}><Statistic title={t('screening.capacity')} value={`${b.reviewers} × ${b.capacity_per_day}`} /></Col>
          <Col xs={12} md={4}><Statistic title={t('screening.daysToClear')} value={b.days_to_clear} /></Col>
        </Row>
      ) : null}
      <Space wrap>
        {['admin', 'supervisor'].includes(me.role) ? (
          <>
            <DayRange value={build} onChange={(v) => setBuild({ ...build, from: v.from ?? build.from, to: v.to ?? build.to })} />
            <InputNumber addonBefore={t('screening.threshold')} min={0} max={100} value={build.threshold} onChange={(v) => setBuild({ ...build, threshold: v ?? 0 })} />
            <InputNumber placeholder={t('screening.auditRun')} value={build.audit_run_id} onChange={(v) => setBuild({ ...build, audit_run_id: v ?? undefined })} />
            <InputNumber placeholder={t('screening.screeningRun')} value={build.screening_run_id} onChange={(v) => setBuild({ ...build, screening_run_id: v ?? undefined })} />
            <Button onClick={() => act(() => api.post('/api/v1/review-queue/build', build), t('caseDetail.done'))}>{t('screening.build')}</Button>
          </>
        ) : null}
        <Button type="primary" onClick={() => act(() => api.post('/api/v1/review-queue/next', { count: 10 }), t('caseDetail.done'))}>{t('screening.takeNext')}</Button>
        <Select allowClear placeholder={t('cases.status')} style={{ width: 160 }} value={q.status} onChange={(status) => setQ({ status, page: 1 })}
          options={['queued', 'assigned', 'auto_passed', 'reviewed'].map((s) => ({ value: s, label: t(`screening.st.${s}`) }))} />
      </Space>
      <DataTable<QueueItem> tableId="review-queue" exportName={t('screening.queueTab')} size="small" rowKey="mdtrt_id" dataSource={list.data?.items ?? []} loading={list.loading} data-testid="queue"
        exportAll={{ total: list.data?.total ?? 0, fetch: async (offset, limit) => (await api.get<{ items: QueueItem[] }>('/api/v1/review-queue', { status: q.status, limit, offset })).items }}
        pagination={{ current: q.page, pageSize: PAGE, total: list.data?.total ?? 0, showSizeChanger: false, showTotal: (n) => t('total', { n }), onChange: (page) => setQ({ ...q, page }) }}
        columns={[
          { key: 'risk', title: t('screening.risk'), dataIndex: 'risk', align: 'right', render: (v: number) => <Tag color={v >= 80 ? 'red' : v >= 50 ? 'orange' : 'default'}>{Math.round(v)}</Tag>, exportValue: (r) => Math.round(r.risk) },
          { key: 'mdtrt_id', title: t('encounter.lookup'), dataIndex: 'mdtrt_id', render: (v: string) => <a onClick={() => openEncounter(v)}>{v}</a> },
          { key: 'medins', title: t('cases.medins'), dataIndex: 'medins_id', render: (v: string) => names.institution(v), exportValue: (r) => names.institution(r.medins_id) },
          { key: 'month', title: t('cases.month'), dataIndex: 'month' },
          { key: 'amount', title: t('caseDetail.amount'), dataIndex: 'amount_fen', align: 'right', render: (v: number) => fenToYuan(v), exportValue: (r) => r.amount_fen / 100, exportFormat: 'yuan' },
          { key: 'status', title: t('cases.status'), dataIndex: 'status', render: (s: string) => t(`screening.st.${s}`, { defaultValue: s }), exportValue: (r) => t(`screening.st.${r.status}`, { defaultValue: r.status }) },
          { key: 'assigned_to', title: t('screening.reviewer'), dataIndex: 'assigned_to' },
          { key: 'outcome', title: t('screening.outcome'), dataIndex: 'outcome', render: (v: string | null) => (v ? t(`screening.${v}`, { defaultValue: v }) : '—'), exportValue: (r) => (r.outcome ? t(`screening.${r.outcome}`, { defaultValue: r.outcome }) : '') },
          { key: 'actions', title: '', noExport: true, render: (_, r) => (r.status === 'assigned' && r.assigned_to === me.id ? (
            <Space>
              <Button size="small" onClick={() => confirm(t('screening.passConfirm', { id: r.mdtrt_id }), () => act(() => api.post(`/api/v1/review-queue/${encodeURIComponent(r.mdtrt_id)}/decision`, { outcome: 'pass' }), t('caseDetail.done')))}>{t('screening.pass')}</Button>
              <Button size="small" danger onClick={() => confirm(t('screening.referConfirm', { id: r.mdtrt_id }), () => act(() => api.post(`/api/v1/review-queue/${encodeURIComponent(r.mdtrt_id)}/decision`, { outcome: 'refer' }), t('caseDetail.done')))}>{t('screening.refer')}</Button>
            </Space>
          ) : null) },
        ]} />
    </Space>
  );
}

/** Screening (screening.md): runs of the six cross-encounter screens with their ranked leads, the risk-ranked review queue, 抽查 and 双随机 draws. */
export function ScreeningPage() {
  const { t } = useTranslation();
  return <Card size="small" data-testid="screening"><Tabs destroyOnHidden items={[{ key: 'leads', label: t('screening.leadsTab'), children: <Leads /> }, { key: 'queue', label: t('screening.queueTab'), children: <Queue /> },
    { key: 'sampling', label: <span data-testid="tab-sampling">{t('sampling.tab')}</span>, children: <Sampling /> }, { key: 'inspection', label: <span data-testid="tab-inspection">{t('sampling.inspectionTab')}</span>, children: <Inspection /> }]} /></Card>;
}
