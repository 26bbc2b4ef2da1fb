import { useState } from 'react';
import { Alert, Button, Card, Input, Select, Space, Tag, Typography } from 'antd';
import { SafetyCertificateOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { navigate, setQuery, useLocation } from '../../router.ts';
import { useSession } from '../../session.tsx';
import { Failure } from '../../components/Failure.tsx';
import { DayRange } from '../../components/Dates.tsx';
import { DataTable, type DataColumn } from '../../components/DataTable.tsx';
import { dateTime } from '../../format.ts';
import type { UserRow } from './users.tsx';

interface Entry { seq: number; at: string; actor: string; action: string; entityType: string; entityId: string; detail: Record<string, unknown>; hash: string; macKey: string | null }
type Verify = { ok: true; entries: number; head: string; anchor: { seq: number; at: string } | null } | { ok: false; entries: number; brokenAt: number; reason: string };

const ACTIONS = ['user.create', 'user.update', 'user.disable', 'user.enable', 'user.password_reset', 'user.password_change', 'user.sign_in', 'user.sign_in_failed', 'user.sign_out', 'user.locked',
  'user.sessions_revoke', 'key.create', 'key.revoke', 'key.rotate', 'key.reseal', 'personal_data.reveal', 'personal_data.read', 'personal_data.export', 'settlement.create', 'settlement.reverse'];
const GROUPS = ['user', 'key', 'personal_data', 'case', 'settlement', 'rule_pack', 'catalogue', 'import'];
const ENTITIES = ['user', 'api_key', 'encounter', 'case', 'settlement', 'rule_pack', 'catalogue', 'audit_run', 'list', 'import'];
const FILTERS = ['actor', 'action', 'entity_type', 'entity_id', 'from', 'to', 'q'] as const;

/** 审计日志: search the append-only log (who, what, which object, when, text), page through it, and verify its hash chain. */
export function AuditLogPage() {
  const { t } = useTranslation();
  const { me } = useSession();
  const { search } = useLocation();
  const f = Object.fromEntries(FILTERS.map((k) => [k, search.get(k) ?? ''])) as Record<(typeof FILTERS)[number], string>;
  const page = Number(search.get('page') ?? 1);
  const size = Number(search.get('size') ?? 20);
  const [draft, setDraft] = useState(f);
  const [verify, setVerify] = useState<{ busy: boolean; result?: Verify; error?: string }>({ busy: false });
  const query = { actor: f.actor, action: f.action, entity_type: f.entity_type, entity_id: f.entity_id, from: f.from, to: f.to, q: f.q };
  const log = useApi(() => api.get<{ items: Entry[]; total: number }>('/api/v1/audit-log', { ...query, limit: size, offset: (page - 1) * size }), [...FILTERS.map((k) => f[k]), page, size]);
  // People by name where the reader may see the users (administrators); otherwise the user names.
  const users = useApi(() => (me.role === 'admin' ? api.get<{ items: UserRow[] }>('/api/v1/users') : Promise.resolve({ items: [] as UserRow[] })), [me.role]);
  const nameOf = new Map((users.data?.items ?? []).filter((u) => u.display_name).map((u) => [u.username, u.display_name]));
  const actorLabel = (a: string) => (nameOf.has(a) ? `${nameOf.get(a)}（${a}）` : a);
  const actionLabel = (a: string) => t(`system.audit.actions.${a.replace(/\./g, '_')}`, { defaultValue: a });
  const entityLabel = (e: string) => t(`system.audit.entities.${e}`, { defaultValue: e });
  const detailText = (d: Record<string, unknown>) => (d && Object.keys(d).length ? JSON.stringify(d) : '');

  const runVerify = async () => {
    setVerify({ busy: true });
    try {
      setVerify({ busy: false, result: await api.get<Verify>('/api/v1/audit-log/verify') });
    } catch (e) {
      setVerify({ busy: false, error: (e as Error).message });
    }
  };
  const apply = (v: Record<string, string>) => {
    setDraft({ ...f, ...v });
    setQuery({ ...Object.fromEntries(FILTERS.map((k) => [k, v[k] ?? ''])), page: undefined });
  };

  const columns: DataColumn<Entry>[] = [
    { key: 'seq', title: t('system.audit.seq'), dataIndex: 'seq', width: 80 },
    { key: 'at', title: t('system.audit.at'), dataIndex: 'at', width: 170, render: dateTime, exportValue: (e) => dateTime(e.at) },
    { key: 'actor', title: t('system.audit.actor'), dataIndex: 'actor', render: (a: string) => <a onClick={() => apply({ ...f, actor: a })}>{actorLabel(a)}</a>, exportValue: (e) => actorLabel(e.actor) },
    { key: 'action', title: t('system.audit.action'), dataIndex: 'action', render: (a: string) => <Tag title={a}>{actionLabel(a)}</Tag>, exportValue: (e) => actionLabel(e.action) },
    { key: 'entity', title: t('system.audit.entity'), render: (_, e) => <>{entityLabel(e.entityType)} <Typography.Text code>{e.entityId}</Typography.Text></>, exportValue: (e) => `${entityLabel(e.entityType)} ${e.entityId}` },
    { key: 'detail', title: t('system.audit.detail'), render: (_, e) => <Typography.Text type="secondary" style={{ fontSize: 12 }} ellipsis={{ tooltip: detailText(e.detail) }}>{detailText(e.detail)}</Typography.Text>, exportValue: (e) => detailText(e.detail), width: 360 },
    { key: 'hash', title: t('system.audit.hash'), dataIndex: 'hash', defaultHidden: true, render: (h: string) => <Typography.Text code>{h.slice(0, 16)}…</Typography.Text> },
  ];
  return (
    <Card size="small" title={t('system.audit.title')} data-testid="audit-page"
      extra={<Button icon={<SafetyCertificateOutlined />} loading={verify.busy} onClick={runVerify} data-testid="audit-verify">{verify.busy ? t('system.audit.verifying') : t('system.audit.verify')}</Button>}>
      <Typography.Paragraph type="secondary">{t('system.audit.help')}</Typography.Paragraph>
      {verify.result || verify.error ? (
        <Alert style={{ marginBottom: 12 }} showIcon closable onClose={() => setVerify({ busy: false })} data-testid="verify-result"
          type={verify.result?.ok ? 'success' : 'error'}
          title={verify.error ?? (verify.result!.ok
            ? t('system.audit.verifyOk', { n: verify.result!.entries }) + (verify.result!.anchor ? t('system.audit.verifyAnchor', { at: dateTime(verify.result!.anchor.at) }) : '')
            : t('system.audit.verifyBroken', { seq: verify.result!.brokenAt, reason: verify.result!.reason }))}
          description={verify.result?.ok ? <Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('system.audit.head')} {verify.result.head}</Typography.Text> : undefined} />
      ) : null}
      <Space wrap style={{ marginBottom: 12 }}>
        <Input allowClear placeholder={t('system.audit.actorPh')} style={{ width: 160 }} value={draft.actor} onChange={(e) => setDraft({ ...draft, actor: e.target.value.trim() })} data-testid="audit-actor" />
        <Select allowClear showSearch style={{ width: 200 }} placeholder={t('system.audit.actionPh')} value={draft.action || undefined} onChange={(v) => setDraft({ ...draft, action: v ?? '' })} data-testid="audit-action"
          optionFilterProp="label" options={[...GROUPS.map((g) => ({ value: g, label: `${t(`system.audit.entities.${g}`, { defaultValue: g })} · *` })), ...ACTIONS.map((a) => ({ value: a, label: actionLabel(a) }))]} />
        <Select allowClear style={{ width: 140 }} placeholder={t('system.audit.entityTypePh')} value={draft.entity_type || undefined} onChange={(v) => setDraft({ ...draft, entity_type: v ?? '' })}
          options={ENTITIES.map((e) => ({ value: e, label: entityLabel(e) }))} />
        <Input allowClear placeholder={t('system.audit.entityIdPh')} style={{ width: 160 }} value={draft.entity_id} onChange={(e) => setDraft({ ...draft, entity_id: e.target.value.trim() })} data-testid="audit-entity-id" />
        <DayRange allowEmpty value={{ from: draft.from || undefined, to: draft.to || undefined }} onChange={(v) => setDraft({ ...draft, from: v.from ?? '', to: v.to ?? '' })} />
        <Input allowClear placeholder={t('system.audit.textPh')} style={{ width: 200 }} value={draft.q} onChange={(e) => setDraft({ ...draft, q: e.target.value })} data-testid="audit-text" />
        <Button type="primary" onClick={() => apply(draft)} data-testid="audit-search">{t('system.audit.search')}</Button>
        <Button onClick={() => { setDraft(Object.fromEntries(FILTERS.map((k) => [k, ''])) as typeof f); navigate('/system/audit-log', true); }}>{t('system.audit.reset')}</Button>
      </Space>
      {log.error ? <Failure error={log.error} /> : (
        <DataTable<Entry> tableId="audit-log" exportName={t('system.audit.title')} size="small" rowKey="seq" loading={log.loading} dataSource={log.data?.items ?? []} columns={columns}
          savedFilters={{ value: f, apply }}
          exportAll={{ total: log.data?.total ?? 0, fetch: async (offset, limit) => (await api.get<{ items: Entry[] }>('/api/v1/audit-log', { ...query, limit, offset })).items }}
          expandable={{ expandedRowRender: (e) => <pre className="fg-evidence" style={{ margin: 0 }}>{JSON.stringify(e.detail, null, 2)}</pre> }}
          pagination={{ current: page, pageSize: size, total: log.data?.total ?? 0, showSizeChanger: true, pageSizeOptions: [20, 50, 100], showTotal: (n) => t('total', { n }), onChange: (p, s) => setQuery({ page: p, size: s }) }} />
      )}
    </Card>
  );
}
