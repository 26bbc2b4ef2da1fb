import { useState } from 'react';
import { Button, Card, Input, Select, Space, Table } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { useSession } from '../../session.tsx';
import { Failure } from '../../components/Failure.tsx';
import { ImportUpload } from '../../components/ImportUpload.tsx';

interface Entry { id: number; list: string; subject_type: string; subject_code: string; reason: string; effective_from: string | null; effective_to: string | null; source: string }

/** The lists the system reads (catalogue.md); deployers may add focus lists of their own names. */
const KNOWN_LISTS = ['blacklist', 'suspended', 'watch', 'deceased'];
const SUBJECT_TYPES = ['institution', 'department', 'doctor', 'patient'];

const PAGE = 50;

/** 名单: entries filtered and paged on the server (the API returns pages without a total: "next" appears while full pages come back). */
export function ListsPage() {
  const { t } = useTranslation();
  const { me } = useSession();
  const [f, setF] = useState<{ list?: string; subject_type?: string; date?: string; page: number }>({ page: 0 });
  const data = useApi(() => api.get<{ items: Entry[] }>('/api/v1/lists', { list: f.list, subject_type: f.subject_type, date: f.date, limit: PAGE, offset: f.page * PAGE }), [f.list, f.subject_type, f.date, f.page]);
  const importer = ['admin', 'rule_admin', 'supervisor'].includes(me.role);
  if (data.error) return <Failure error={data.error} />;
  const items = data.data?.items ?? [];
  return (
    <Card size="small" title={t('lists.title')} data-testid="lists">
      {importer ? <div style={{ marginBottom: 12 }}><ImportUpload kind="lists" onDone={data.reload} /></div> : null}
      <Space wrap style={{ marginBottom: 12 }}>
        <Select allowClear placeholder={t('lists.list')} style={{ width: 160 }} value={f.list} onChange={(list) => setF({ ...f, list, page: 0 })}
          options={KNOWN_LISTS.map((v) => ({ value: v, label: t(`lists.kinds.${v}`) }))} />
        <Select allowClear placeholder={t('lists.subjectType')} style={{ width: 160 }} value={f.subject_type} onChange={(subject_type) => setF({ ...f, subject_type, page: 0 })}
          options={SUBJECT_TYPES.map((v) => ({ value: v, label: t(`lists.subjects.${v}`) }))} />
        <Input type="date" aria-label={t('lists.date')} value={f.date ?? ''} onChange={(e) => setF({ ...f, date: e.target.value || undefined, page: 0 })} />
      </Space>
      <Table<Entry> size="small" rowKey={(r) => `${r.id ?? ''}-${r.list}-${r.subject_code}-${r.effective_from}`} dataSource={items} loading={data.loading} pagination={false}
        columns={[
          { title: t('lists.list'), dataIndex: 'list', render: (v: string) => t(`lists.kinds.${v}`, { defaultValue: v }) },
          { title: t('lists.subjectType'), dataIndex: 'subject_type', render: (v: string) => t(`lists.subjects.${v}`, { defaultValue: v }) },
          { title: t('lists.subject'), dataIndex: 'subject_code' },
          { title: t('lists.reason'), dataIndex: 'reason' },
          { title: t('lists.from'), dataIndex: 'effective_from', render: (v: string | null) => v ?? '—' },
          { title: t('lists.to'), dataIndex: 'effective_to', render: (v: string | null) => v ?? t('lists.open') },
          { title: t('lists.source'), dataIndex: 'source' },
        ]} />
      <Space style={{ marginTop: 12 }}>
        <Button disabled={f.page === 0} onClick={() => setF({ ...f, page: f.page - 1 })}>{t('lists.prev')}</Button>
        <span>{t('lists.page', { n: f.page + 1 })}</span>
        <Button disabled={items.length < PAGE} onClick={() => setF({ ...f, page: f.page + 1 })}>{t('lists.next')}</Button>
      </Space>
    </Card>
  );
}
