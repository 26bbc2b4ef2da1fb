import { useEffect, useState } from 'react';
import { App, Button, Card, Progress, Select, Space, Tag, Tooltip, Typography } from 'antd';
import { DataTable } from '../../components/DataTable.tsx';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { useSession } from '../../session.tsx';
import { Failure } from '../../components/Failure.tsx';
import { dateTime, int } from '../../format.ts';
import { DayRange } from '../../components/Dates.tsx';
import { InstitutionPicker } from '../../components/InstitutionPicker.tsx';
import { resetDictionary, useNames } from '../../dictionary.ts';
import { ImportUpload, type ImportKind } from '../../components/ImportUpload.tsx';
import dayjs from 'dayjs';

/** An API period (end exclusive) as people read it: both days shown are included. */
const inclusivePeriod = (from: string, to: string, through: string) => (from && to ? `${from} ${through} ${dayjs(to).subtract(1, 'day').format('YYYY-MM-DD')}` : '—');

interface Run { id: number; kind: string; status: string; params: { from: string; to: string; medins_id?: string }; total_chunks: number; done_chunks: number; encounters: number; findings: number; actor: string; error: string | null; warning?: string | null; started_at: string; finished_at: string | null; cases: number }
interface ImportRow { id: number; kind: string; file_name: string; format: string; status: string; records: number; replaced: number; warnings: number; actor: string; started_at: string; finished_at: string | null }

const RUN_COLORS: Record<string, string> = { running: 'processing', cancelling: 'warning', cancelled: 'default', done: 'success', failed: 'error' };
const IMPORTERS: Record<ImportKind, readonly string[]> = { encounters: ['admin', 'auditor'], catalogue: ['admin', 'rule_admin'], lists: ['admin', 'rule_admin', 'supervisor'], policies: ['admin', 'rule_admin'] };

/** Batch audit runs with live progress (polled while any runs), imports with their outcome. */
export function RunsPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { me } = useSession();
  const names = useNames();
  const runs = useApi(() => api.get<{ items: Run[] }>('/api/v1/audit-runs'), []);
  const imports = useApi(() => api.get<{ items: ImportRow[] }>('/api/v1/imports'), []);
  const [scope, setScope] = useState({ from: '2024-01-01', to: '2025-01-01', medins_id: '' });
  // Only the imports this role may make (the server checks again): encounters for admin and auditors, the catalogue
  // for rule admins, lists for rule admins and supervisors.
  const importable = (Object.keys(IMPORTERS) as ImportKind[]).filter((k) => IMPORTERS[k].includes(me.role));
  const [kind, setKind] = useState<ImportKind>(importable[0] ?? 'encounters');
  const running = (runs.data?.items ?? []).some((r) => r.status === 'running' || r.status === 'cancelling');
  useEffect(() => {
    if (!running) return;
    const h = setInterval(runs.reload, 1000);
    return () => clearInterval(h);
  }, [running, runs.reload]);
  const auditor = ['admin', 'auditor'].includes(me.role);

  const start = async () => {
    try {
      await api.post('/api/v1/audit-runs', { from: scope.from, to: scope.to, ...(scope.medins_id ? { medins_id: scope.medins_id } : {}) });
      runs.reload();
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  const openCases = async (id: number) => {
    try {
      const r = await api.post<{ cases: string[] }>('/api/v1/cases', { run_id: id });
      message.success(t('runs.casesOpened', { n: r.cases.length }));
      runs.reload();
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  if (runs.error) return <Failure error={runs.error} />;
  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }} data-testid="runs">
      {auditor ? (
        <Card size="small" title={t('runs.start')}>
          <Space wrap>
            <span>{t('runs.admPeriod')}</span><DayRange testId="run-period" value={scope} onChange={(v) => setScope({ ...scope, from: v.from ?? scope.from, to: v.to ?? scope.to })} />
            <InstitutionPicker placeholder={t('runs.medins')} value={scope.medins_id || undefined} onChange={(v) => setScope({ ...scope, medins_id: v ?? '' })} />
            <Button type="primary" onClick={start} data-testid="run-start">{t('runs.startBtn')}</Button>
          </Space>
        </Card>
      ) : null}
      <Card size="small" title={t('nav.runs')}>
        <DataTable<Run> tableId="runs" exportName={t('nav.runs')} size="small" rowKey="id" data-testid="run-table" dataSource={runs.data?.items ?? []} loading={runs.loading && !runs.data} pagination={{ pageSize: 10 }}
          columns={[
            { key: 'id', title: t('runs.id'), dataIndex: 'id' },
            { key: 'kind', title: t('runs.kind'), dataIndex: 'kind', render: (k: string) => t(`runs.kinds.${k}`, { defaultValue: k }), exportValue: (r) => t(`runs.kinds.${r.kind}`, { defaultValue: r.kind }) },
            { key: 'period', title: t('runs.admPeriod'), exportValue: (r) => inclusivePeriod(String(r.params.from ?? ''), String(r.params.to ?? ''), t('app.through')) + (r.params.medins_id ? ` ${names.institution(String(r.params.medins_id))}` : ''), render: (_, r) => <>{inclusivePeriod(String(r.params.from ?? ''), String(r.params.to ?? ''), t('app.through'))}{r.params.medins_id ? <><br /><Typography.Text type="secondary">{names.institution(String(r.params.medins_id))}</Typography.Text></> : null}</> },
            // A run without progress (no worker takes its tasks) says so; the server's text is bilingual.
            { key: 'status', title: t('runs.status'), dataIndex: 'status', exportValue: (r) => t(`runs.st.${r.status}`, { defaultValue: r.status }), render: (s: string, r) => <>
              <Tag color={RUN_COLORS[s]}>{t(`runs.st.${s}`, { defaultValue: s })}</Tag>
              {r.warning ? <Tooltip title={r.warning}><Tag color="warning" data-testid="run-warning">⚠ {r.warning.split(':')[0]}</Tag></Tooltip> : null}
            </> },
            { key: 'progress', title: t('runs.progress'), width: 200, exportValue: (r) => (r.total_chunks ? `${Math.floor((100 * r.done_chunks) / r.total_chunks)}%` : '100%'), render: (_, r) => <Progress size="small" percent={r.total_chunks ? Math.floor((100 * r.done_chunks) / r.total_chunks) : 100} status={r.status === 'failed' ? 'exception' : r.status === 'running' ? 'active' : undefined} /> },
            { key: 'encounters', title: t('runs.encounters'), dataIndex: 'encounters', align: 'right', render: int },
            { key: 'findings', title: t('runs.findings'), dataIndex: 'findings', align: 'right', render: int },
            { key: 'cases', title: t('nav.cases'), dataIndex: 'cases', align: 'right' },
            { key: 'actor', title: t('runs.actor'), dataIndex: 'actor' },
            { key: 'started_at', title: t('runs.started'), dataIndex: 'started_at', render: dateTime, exportValue: (r) => dateTime(r.started_at) },
            { key: 'actions', title: '', noExport: true, render: (_, r) => (
              <Space>
                {auditor && r.status === 'running' ? <Button size="small" onClick={() => api.post(`/api/v1/audit-runs/${r.id}/cancel`).then(runs.reload, (e: Error) => message.error(e.message))}>{t('runs.cancel')}</Button> : null}
                {auditor && r.status === 'done' && r.kind !== 'replay' && !r.cases ? <Button size="small" type="primary" onClick={() => openCases(r.id)}>{t('runs.openCases')}</Button> : null}
                {r.status === 'done' ? <Button size="small" onClick={() => api.download(`/api/v1/audit-runs/${r.id}/findings/export`, `findings-${r.id}.xlsx`, { format: 'xlsx' })}>{t('runs.exportFindings')}</Button> : null}
              </Space>
            ) },
          ]} />
      </Card>
      <Card size="small" title={t('runs.imports')}
        extra={importable.length ? <Select value={kind} onChange={setKind} style={{ width: 140 }} data-testid="import-kind" options={importable.map((k) => ({ value: k, label: t(`runs.importKinds.${k}`) }))} /> : null}>
        {importable.length ? (
          <div style={{ marginBottom: 12 }}>
            {/* keyed by kind: switching the kind starts a fresh import panel */}
            <ImportUpload key={kind} kind={kind} testId="runs-import" onDone={() => { imports.reload(); resetDictionary(); }} />
            <Typography.Text type="secondary">{t('imports.hint')}</Typography.Text>
          </div>
        ) : null}
        {imports.error ? <Failure error={imports.error} /> : (
          <DataTable<ImportRow> tableId="imports" exportName={t('runs.imports')} size="small" rowKey="id" dataSource={imports.data?.items ?? []} loading={imports.loading} pagination={{ pageSize: 10 }}
            columns={[
              { key: 'id', title: t('runs.id'), dataIndex: 'id' },
              { key: 'kind', title: t('runs.importKind'), dataIndex: 'kind', render: (k: string) => t(`runs.importKinds.${k}`, { defaultValue: k }), exportValue: (r) => t(`runs.importKinds.${r.kind}`, { defaultValue: r.kind }) },
              { key: 'file_name', title: t('runs.file'), dataIndex: 'file_name' },
              { key: 'format', title: t('runs.format'), dataIndex: 'format', render: (f: string) => String(f ?? '').toUpperCase(), exportValue: (r) => String(r.format ?? '').toUpperCase() },
              { key: 'status', title: t('runs.status'), dataIndex: 'status', exportValue: (r) => t(`runs.st.${r.status}`, { defaultValue: r.status }), render: (s: string) => <Tag color={s === 'done' || s === 'ok' || s === 'applied' ? 'success' : s === 'failed' || s === 'interrupted' ? 'error' : s === 'validating' || s === 'applying' ? 'processing' : 'default'}>{t(`runs.st.${s}`, { defaultValue: s })}</Tag> },
              { key: 'records', title: t('runs.records'), dataIndex: 'records', align: 'right', render: int },
              { key: 'replaced', title: t('runs.replaced'), dataIndex: 'replaced', align: 'right' },
              { key: 'warnings', title: t('runs.warnings'), dataIndex: 'warnings', align: 'right' },
              { key: 'actor', title: t('runs.actor'), dataIndex: 'actor' },
              { key: 'started_at', title: t('runs.started'), dataIndex: 'started_at', render: dateTime, exportValue: (r) => dateTime(r.started_at) },
            ]} />
        )}
      </Card>
    </Space>
  );
}
