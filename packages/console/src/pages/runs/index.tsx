import { useEffect, useState } from 'react';
import { Alert, App, Button, Card, Input, Progress, Select, Space, Table, Tag, Tooltip, Upload } from 'antd';
import { UploadOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { ApiError, api, uploadType } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { useSession } from '../../session.tsx';
import { Failure } from '../../components/Failure.tsx';
import { dateTime, int } from '../../format.ts';

interface Run { id: number; kind: string; status: string; params: { from: string; to: string; medins_id?: string }; total_chunks: number; done_chunks: number; encounters: number; findings: number; actor: string; error: string | null; warning?: string | null; started_at: string; finished_at: string | null; cases: number }
interface ImportRow { id: number; kind: string; file_name: string; format: string; status: string; records: number; replaced: number; warnings: number; actor: string; started_at: string; finished_at: string | null }

const RUN_COLORS: Record<string, string> = { running: 'processing', cancelling: 'warning', cancelled: 'default', done: 'success', failed: 'error' };
const IMPORT_PATHS = { encounters: '/api/v1/encounters', catalogue: '/api/v1/catalogue', lists: '/api/v1/lists' } as const;

/** Batch audit runs with live progress (polled while any runs), imports with their outcome. */
export function RunsPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { me } = useSession();
  const runs = useApi(() => api.get<{ items: Run[] }>('/api/v1/audit-runs'), []);
  const imports = useApi(() => api.get<{ items: ImportRow[] }>('/api/v1/imports'), []);
  const [scope, setScope] = useState({ from: '2024-01-01', to: '2025-01-01', medins_id: '' });
  const [kind, setKind] = useState<keyof typeof IMPORT_PATHS>('encounters');
  const [importMsg, setImportMsg] = useState<{ ok: boolean; text: string; issues: string[] } | null>(null);
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
  const importFile = async (f: File) => {
    setImportMsg(null);
    try {
      const r = await api.upload<{ records?: number; imported?: number }>(IMPORT_PATHS[kind], f, uploadType(f.name), { name: f.name });
      setImportMsg({ ok: true, text: t('runs.importOk', { n: r.records ?? r.imported ?? 0 }), issues: [] });
    } catch (e) {
      const issues = e instanceof ApiError ? e.issues.map((i) => `${i.record ? i.record + ' ' : ''}${i.field}: ${i.reason}${i.value !== undefined ? ` (${String(i.value)})` : ''}`) : [];
      setImportMsg({ ok: false, text: `${t('runs.importFailed')}: ${(e as Error).message}`, issues });
    }
    imports.reload();
  };

  if (runs.error) return <Failure error={runs.error} />;
  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }} data-testid="runs">
      {auditor ? (
        <Card size="small" title={t('runs.start')}>
          <Space wrap>
            <span>{t('runs.from')}</span><Input type="date" data-testid="run-from" value={scope.from} onChange={(e) => setScope({ ...scope, from: e.target.value })} />
            <span>{t('runs.to')}</span><Input type="date" data-testid="run-to" value={scope.to} onChange={(e) => setScope({ ...scope, to: e.target.value })} />
            <Input placeholder={t('runs.medins')} value={scope.medins_id} onChange={(e) => setScope({ ...scope, medins_id: e.target.value.trim() })} style={{ width: 200 }} />
            <Button type="primary" onClick={start} data-testid="run-start">{t('runs.startBtn')}</Button>
          </Space>
        </Card>
      ) : null}
      <Card size="small" title={t('nav.runs')}>
        <Table<Run> size="small" rowKey="id" data-testid="run-table" dataSource={runs.data?.items ?? []} loading={runs.loading && !runs.data} pagination={{ pageSize: 10 }}
          columns={[
            { title: t('runs.id'), dataIndex: 'id' },
            { title: t('runs.kind'), dataIndex: 'kind' },
            { title: `${t('runs.from')} – ${t('runs.to')}`, render: (_, r) => `${r.params.from} – ${r.params.to}${r.params.medins_id ? ` · ${r.params.medins_id}` : ''}` },
            // A run without progress (no worker takes its tasks) says so; the server's text is bilingual.
            { title: t('runs.status'), dataIndex: 'status', render: (s: string, r) => <>
              <Tag color={RUN_COLORS[s]}>{s}</Tag>
              {r.warning ? <Tooltip title={r.warning}><Tag color="warning" data-testid="run-warning">⚠ {r.warning.split(':')[0]}</Tag></Tooltip> : null}
            </> },
            { title: t('runs.progress'), width: 200, render: (_, r) => <Progress size="small" percent={r.total_chunks ? Math.floor((100 * r.done_chunks) / r.total_chunks) : 100} status={r.status === 'failed' ? 'exception' : r.status === 'running' ? 'active' : undefined} /> },
            { title: t('runs.encounters'), dataIndex: 'encounters', align: 'right', render: int },
            { title: t('runs.findings'), dataIndex: 'findings', align: 'right', render: int },
            { title: t('nav.cases'), dataIndex: 'cases', align: 'right' },
            { title: t('runs.actor'), dataIndex: 'actor' },
            { title: t('runs.started'), dataIndex: 'started_at', render: dateTime },
            { title: '', render: (_, r) => (
              <Space>
                {auditor && r.status === 'running' ? <Button size="small" onClick={() => api.post(`/api/v1/audit-runs/${r.id}/cancel`).then(runs.reload, (e: Error) => message.error(e.message))}>{t('runs.cancel')}</Button> : null}
                {auditor && r.status === 'done' && r.kind !== 'replay' && !r.cases ? <Button size="small" type="primary" onClick={() => openCases(r.id)}>{t('runs.openCases')}</Button> : null}
                {r.status === 'done' ? <Button size="small" onClick={() => api.download(`/api/v1/audit-runs/${r.id}/findings/export`, `findings-${r.id}.xlsx`, { format: 'xlsx' })}>{t('runs.exportFindings')}</Button> : null}
              </Space>
            ) },
          ]} />
      </Card>
      <Card size="small" title={t('runs.imports')}
        extra={
          <Space>
            <Select value={kind} onChange={setKind} style={{ width: 140 }} options={[{ value: 'encounters', label: t('runs.encountersKind') }, { value: 'catalogue', label: t('runs.catalogue') }, { value: 'lists', label: t('runs.lists') }]} />
            <Upload accept=".csv,.xlsx,.jsonl,.ndjson" showUploadList={false} beforeUpload={(f) => (void importFile(f), false)}><Button icon={<UploadOutlined />}>{t('runs.importFile')}</Button></Upload>
          </Space>
        }>
        {importMsg ? <Alert style={{ marginBottom: 12 }} type={importMsg.ok ? 'success' : 'error'} showIcon title={importMsg.text} description={importMsg.issues.length ? <ul>{importMsg.issues.slice(0, 20).map((i) => <li key={i}>{i}</li>)}</ul> : undefined} /> : null}
        {imports.error ? <Failure error={imports.error} /> : (
          <Table<ImportRow> size="small" rowKey="id" dataSource={imports.data?.items ?? []} loading={imports.loading} pagination={{ pageSize: 10 }}
            columns={[
              { title: t('runs.id'), dataIndex: 'id' },
              { title: t('runs.importKind'), dataIndex: 'kind' },
              { title: t('runs.file'), dataIndex: 'file_name' },
              { title: t('runs.format'), dataIndex: 'format' },
              { title: t('runs.status'), dataIndex: 'status', render: (s: string) => <Tag color={s === 'done' || s === 'ok' ? 'success' : s === 'failed' ? 'error' : 'default'}>{s}</Tag> },
              { title: t('runs.records'), dataIndex: 'records', align: 'right', render: int },
              { title: t('runs.replaced'), dataIndex: 'replaced', align: 'right' },
              { title: t('runs.warnings'), dataIndex: 'warnings', align: 'right' },
              { title: t('runs.actor'), dataIndex: 'actor' },
              { title: t('runs.started'), dataIndex: 'started_at', render: dateTime },
            ]} />
        )}
      </Card>
    </Space>
  );
}
