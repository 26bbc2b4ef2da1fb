import { useEffect, useRef, useState } from 'react';
import { Alert, Button, Progress, Space, Upload } from 'antd';
import { DownloadOutlined, UploadOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { ApiError, api, uploadType } from '../api.ts';
import { translateIssue } from '../errors.ts';
import { int } from '../format.ts';

export type ImportKind = 'encounters' | 'catalogue' | 'lists' | 'policies';

const PATHS: Record<ImportKind, string> = { encounters: '/api/v1/encounters', catalogue: '/api/v1/catalogue', lists: '/api/v1/lists', policies: '/api/v1/policy-sets' };
const ACCEPT: Record<ImportKind, string> = { encounters: '.jsonl,.ndjson,.xlsx', catalogue: '.csv,.xlsx,.jsonl,.ndjson', lists: '.csv,.xlsx', policies: '.xlsx,.json' };

interface Issue { file?: string; line?: number; record?: string; field: string; value?: unknown; reason: string }
interface Job {
  id: number; status: 'validating' | 'applying' | 'applied' | 'failed' | 'interrupted'; percent: number; eta_seconds: number | null;
  records_validated: number; records_applied: number; records: number | null;
  report: { records: number; inserted: number; updated: number; warning_count: number } | null;
  error: { code: string; message: string; issues: Issue[]; total: number } | null;
}

type State =
  | { phase: 'idle' }
  | { phase: 'uploading'; file: string }
  | { phase: 'running'; file: string; job: Job }
  | { phase: 'done'; text: string }
  | { phase: 'failed'; text: string; issues: string[]; total: number };

/**
 * An import with its template: the upload runs as an import job (the server's progress: records validated and
 * applied, ETA), then the result or the line errors, translated. Policy sets are small and answer at once.
 */
export function ImportUpload({ kind, onDone, testId }: { kind: ImportKind; onDone?: () => void; testId?: string }) {
  const { t } = useTranslation();
  const [state, setState] = useState<State>({ phase: 'idle' });
  const alive = useRef(true);
  useEffect(() => () => void (alive.current = false), []);

  const failed = (e: unknown) => {
    const issues = e instanceof ApiError ? e.issues.map(translateIssue) : [];
    const code = e instanceof ApiError ? t('errors.code.' + e.code, { defaultValue: '' }) : '';
    // The code's own text says what happened and what to do; without one, the error's (translated) message.
    setState({ phase: 'failed', text: code || `${t('imports.failed')}：${(e as Error).message}`, issues, total: e instanceof ApiError ? (e.total ?? issues.length) : 0 });
  };

  const follow = async (file: string, id: number) => {
    for (;;) {
      const job = await api.get<Job>(`/api/v1/imports/${id}`);
      if (!alive.current) return;
      if (job.status === 'applied') {
        const r = job.report;
        setState({ phase: 'done', text: t('imports.done', { n: int(r?.records ?? job.records ?? 0), inserted: int(r?.inserted ?? 0), updated: int(r?.updated ?? 0), warnings: int(r?.warning_count ?? 0) }) });
        onDone?.();
        return;
      }
      if (job.status === 'failed' || job.status === 'interrupted') {
        const err = job.error;
        const issues = (err?.issues ?? []).map((i) => translateIssue(i));
        const code = err ? t('errors.code.' + err.code, { defaultValue: '' }) : '';
        setState({ phase: 'failed', text: job.status === 'interrupted' ? t('imports.interrupted') : code || t('imports.failed'), issues, total: err?.total ?? issues.length });
        onDone?.();
        return;
      }
      setState({ phase: 'running', file, job });
      await new Promise((r) => setTimeout(r, 700));
    }
  };

  const upload = async (f: File) => {
    setState({ phase: 'uploading', file: f.name });
    try {
      if (kind === 'policies') {
        const r = await api.upload<{ created: number; unchanged: number }>(PATHS[kind], f, uploadType(f.name), { name: f.name });
        setState({ phase: 'done', text: t('imports.policiesDone', { created: r.created, unchanged: r.unchanged }) });
        onDone?.();
        return;
      }
      const r = await api.upload<{ import_id: number }>(PATHS[kind], f, uploadType(f.name), { name: f.name, job: true });
      onDone?.(); // the import's row (validating) shows in the list at once
      await follow(f.name, r.import_id);
    } catch (e) {
      if (alive.current) failed(e);
    }
  };

  const busy = state.phase === 'uploading' || state.phase === 'running';
  const job = state.phase === 'running' ? state.job : null;
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid={testId ?? `import-${kind}`}>
      <Space wrap>
        <Upload accept={ACCEPT[kind]} showUploadList={false} disabled={busy} beforeUpload={(f) => (void upload(f), false)}>
          <Button icon={<UploadOutlined />} loading={busy} data-testid={`import-${kind}-upload`}>{t('imports.upload')}</Button>
        </Upload>
        <Button icon={<DownloadOutlined />} data-testid={`import-${kind}-template`}
          onClick={() => void api.download(`/api/v1/import-templates/${kind}`, `${kind}-template.xlsx`).catch(failed)}>{t('imports.template')}</Button>
      </Space>
      {state.phase === 'uploading' ? <Alert type="info" showIcon title={t('imports.uploading', { file: state.file })} /> : null}
      {job && state.phase === 'running' ? (
        <div data-testid={`import-${kind}-progress`}>
          <Progress percent={job.percent} status="active" />
          <span>
            {t(job.status === 'applying' ? 'imports.applying' : 'imports.validating', { file: state.file, validated: int(job.records_validated), applied: int(job.records_applied) })}
            {job.eta_seconds !== null ? ` · ${t('imports.eta', { s: job.eta_seconds })}` : ''}
          </span>
        </div>
      ) : null}
      {state.phase === 'done' ? <Alert type="success" showIcon title={state.text} data-testid={`import-${kind}-result`} /> : null}
      {state.phase === 'failed' ? (
        <Alert type="error" showIcon title={state.text} data-testid={`import-${kind}-result`}
          description={state.issues.length ? <>
            <ul>{state.issues.slice(0, 20).map((i, n) => <li key={n}>{i}</li>)}</ul>
            {state.total > Math.min(20, state.issues.length) ? <div>{t('imports.more', { n: state.total - Math.min(20, state.issues.length) })}</div> : null}
          </> : undefined} />
      ) : null}
    </Space>
  );
}
