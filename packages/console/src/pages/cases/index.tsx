import { useState } from 'react';
import { App, Button, Card, Input, Select, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { navigate, setQuery, useLocation } from '../../router.ts';
import { useSession } from '../../session.tsx';
import { Failure } from '../../components/Failure.tsx';
import { DataTable } from '../../components/DataTable.tsx';
import { useNames } from '../../dictionary.ts';
import { dateTime, yuan } from '../../format.ts';
import { CASE_STATUSES, STATUS_COLORS, confirmAll, type CaseView } from './model.ts';

/** The worklist: cases ordered by risk, filtered and paged on the server; bulk actions for auditors. */
export function WorklistPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { me } = useSession();
  const { search } = useLocation();
  const names = useNames();
  const q = {
    status: search.get('status') ?? '', month: search.get('month') ?? '', medins_id: search.get('medins_id') ?? '', rule_id: search.get('rule_id') ?? '',
    page: Number(search.get('page') ?? 1), size: Number(search.get('size') ?? 20),
  };
  const [draft, setDraft] = useState(q);
  const [selected, setSelected] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const list = useApi(() => api.get<{ items: CaseView[]; total: number }>('/api/v1/cases', {
    status: q.status, month: q.month, medins_id: q.medins_id, rule_id: q.rule_id, limit: q.size, offset: (q.page - 1) * q.size,
  }), [q.status, q.month, q.medins_id, q.rule_id, q.page, q.size]);
  const auditor = ['admin', 'auditor', 'supervisor'].includes(me.role);

  const bulk = async (what: 'notify' | 'approve_level' | 'confirm') => {
    setBusy(true);
    try {
      let ok = 0;
      let fail = 0;
      if (what === 'confirm') {
        for (const id of selected) await confirmAll(id).then(() => ok++, () => fail++);
      } else {
        const r = await api.post<{ results: { ok: boolean }[] }>('/api/v1/cases/bulk-events', { ids: selected, command: { type: what } });
        ok = r.results.filter((x) => x.ok).length;
        fail = r.results.length - ok;
      }
      (fail ? message.warning : message.success)(t('cases.bulkDone', { ok, fail }));
      setSelected([]);
      list.reload();
    } finally {
      setBusy(false);
    }
  };

  if (list.error) return <Failure error={list.error} />;
  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }}>
      <Card size="small">
        <Space wrap>
          <Select mode="multiple" allowClear placeholder={t('cases.filterStatus')} style={{ minWidth: 240 }} value={draft.status ? draft.status.split(',') : []}
            onChange={(v: string[]) => setDraft({ ...draft, status: v.join(',') })} options={CASE_STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))} data-testid="filter-status" />
          <Input type="month" style={{ width: 160 }} value={draft.month} onChange={(e) => setDraft({ ...draft, month: e.target.value })} aria-label={t('cases.filterMonth')} />
          {me.role !== 'hospital' ? <Input placeholder={t('cases.filterMedins')} style={{ width: 180 }} value={draft.medins_id} onChange={(e) => setDraft({ ...draft, medins_id: e.target.value.trim() })} data-testid="filter-medins" /> : null}
          <Input placeholder={t('cases.filterRule')} style={{ width: 180 }} value={draft.rule_id} onChange={(e) => setDraft({ ...draft, rule_id: e.target.value.trim() })} />
          <Button type="primary" data-testid="filter-apply" onClick={() => setQuery({ ...draft, page: 1, size: q.size })}>{t('cases.search')}</Button>
          <Button onClick={() => { setDraft({ ...q, status: '', month: '', medins_id: '', rule_id: '' }); setQuery({ status: '', month: '', medins_id: '', rule_id: '', page: 1 }); }}>{t('cases.reset')}</Button>
          <Button onClick={() => api.download('/api/v1/cases/export', '审核单.xlsx', { format: 'xlsx', status: q.status, month: q.month, medins_id: q.medins_id })}>{t('cases.export')}</Button>
        </Space>
      </Card>
      {auditor && selected.length ? (
        <Card size="small">
          <Space wrap>
            <Typography.Text>{t('cases.selected', { n: selected.length })}</Typography.Text>
            {me.role !== 'supervisor' ? <Button loading={busy} onClick={() => bulk('notify')}>{t('cases.bulkNotify')}</Button> : null}
            {me.role !== 'supervisor' ? <Button loading={busy} onClick={() => bulk('confirm')}>{t('cases.bulkConfirm')}</Button> : null}
            <Button loading={busy} onClick={() => bulk('approve_level')}>{t('cases.bulkApprove')}</Button>
          </Space>
        </Card>
      ) : null}
      <DataTable<CaseView> tableId="cases" exportName={t('cases.title')} size="small" rowKey="id" loading={list.loading} dataSource={list.data?.items ?? []} data-testid="worklist"
        exportAll={{ total: list.data?.total ?? 0, fetch: async (offset, limit) => (await api.get<{ items: CaseView[] }>('/api/v1/cases', { status: q.status, month: q.month, medins_id: q.medins_id, rule_id: q.rule_id, limit, offset })).items }}
        savedFilters={{ value: { status: q.status, month: q.month, medins_id: q.medins_id, rule_id: q.rule_id }, apply: (v) => { setDraft({ ...q, ...v }); setQuery({ status: v.status, month: v.month, medins_id: v.medins_id, rule_id: v.rule_id, page: 1 }); } }}
        rowSelection={auditor ? { selectedRowKeys: selected, onChange: (k) => setSelected(k as string[]) } : undefined}
        onRow={(r) => ({ onDoubleClick: () => navigate(`/cases/${encodeURIComponent(r.id)}`) })}
        pagination={{ current: q.page, pageSize: q.size, total: list.data?.total ?? 0, showSizeChanger: true, pageSizeOptions: [20, 50, 100, 200], showTotal: (n) => t('total', { n }),
          onChange: (page, size) => setQuery({ page, size }) }}
        columns={[
          { key: 'id', title: t('cases.id'), dataIndex: 'id', render: (id: string) => <a href={`/cases/${encodeURIComponent(id)}`} data-testid="case-link" onClick={(e) => { e.preventDefault(); navigate(`/cases/${encodeURIComponent(id)}`); }}>{id}</a> },
          { key: 'medins_id', title: t('cases.medins'), dataIndex: 'medins_id', render: (v: string) => names.institution(v), exportValue: (c) => `${names.institution(c.medins_id)}（${c.medins_id}）` },
          { key: 'month', title: t('cases.month'), dataIndex: 'month' },
          { key: 'status', title: t('cases.status'), dataIndex: 'status', render: (s: CaseView['status']) => <Tag color={STATUS_COLORS[s]}>{t(`status.${s}`)}</Tag>, exportValue: (c) => t(`status.${c.status}`) },
          { key: 'level', title: t('cases.level'), dataIndex: 'level', align: 'right' },
          { key: 'finding_count', title: t('cases.findings'), dataIndex: 'finding_count', align: 'right' },
          { key: 'proposed', title: t('cases.proposed'), dataIndex: 'proposed', align: 'right', render: (v: number) => yuan(v), exportFormat: 'yuan' },
          { key: 'deduction', title: t('cases.deduction'), dataIndex: 'deduction', align: 'right', render: (v: number | null) => yuan(v), exportFormat: 'yuan' },
          { key: 'risk', title: t('cases.risk'), dataIndex: 'risk', align: 'right', render: (v: number | null) => (v === null ? '' : v.toFixed(1)) },
          { key: 'due_at', title: t('cases.due'), dataIndex: 'due_at', render: (v: string | null, r) => <>{dateTime(v)}{r.overdue ? <Tag color="error" data-testid="overdue" style={{ marginLeft: 4 }}>{t('caseDetail.overdue')}</Tag> : null}</>, exportValue: (c) => dateTime(c.due_at) },
        ]} />
    </Space>
  );
}
