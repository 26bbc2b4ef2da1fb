import { useState } from 'react';
import { Alert, Button, Card, Input, Space, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, withQuery } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { useSession } from '../../session.tsx';
import { Failure } from '../../components/Failure.tsx';
import { int } from '../../format.ts';

interface Row { medins_id: string; field: string; variant: string; count: number; first_day: string; last_day: string; last_msgid: string; last_at: string }

/** What the HIS should send instead, by the normalised field's last part (audit-api.md §1). */
const FIX: Record<string, string> = {
  hilist_lv: '01 甲 / 02 乙 / 03 丙（两位）',
  med_mdtrt_type: '1 门诊 / 2 住院 / 3 购药 / 4 其他',
  adm_date: 'yyyy-MM-dd HH:mm:ss', dscg_date: 'yyyy-MM-dd HH:mm:ss；未出院传空', drord_begn_date: 'yyyy-MM-dd HH:mm:ss', drord_stop_date: 'yyyy-MM-dd HH:mm:ss；未停传空',
  brdy: 'yyyy-MM-dd', dise_date: 'yyyy-MM-dd', oprn_date: 'yyyy-MM-dd', test_date: 'yyyy-MM-dd HH:mm:ss',
  gend: '1 男 / 2 女 / 9 未说明', rx_id: '每条明细唯一的 rx_id', pric: '单价（元）', sumamt: '金额（元）', cnt: '数量', medins_id: '定点机构编码',
};
const fixOf = (field: string, variant: string) => (variant === 'blanks around number' ? '数字前后不带空格' : FIX[field.slice(field.lastIndexOf('.') + 1)] ?? '');

/** The hospital's 医保办: which HIS fields the real-time audit had to normalise, to hand to the HIS vendor. */
export function HisDataPage() {
  const { t } = useTranslation();
  const { me } = useSession();
  const [q, setQ] = useState({ from: '', to: '', medins_id: '' });
  const [applied, setApplied] = useState(q);
  const rows = useApi(() => api.get<{ items: Row[] }>(withQuery('/api/v1/realtime/normalisations', { from: applied.from || undefined, to: applied.to || undefined, medins_id: applied.medins_id || undefined })), [applied]);
  if (rows.error) return <Failure error={rows.error} />;
  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }} data-testid="his-data">
      <Card size="small" title={t('hisData.title')}>
        <Typography.Paragraph type="secondary">{t('hisData.help')}</Typography.Paragraph>
        <Space wrap>
          <span>{t('hisData.from')}</span><Input type="date" value={q.from} onChange={(e) => setQ({ ...q, from: e.target.value })} />
          <span>{t('hisData.to')}</span><Input type="date" value={q.to} onChange={(e) => setQ({ ...q, to: e.target.value })} />
          {me.role === 'hospital' ? null : <Input placeholder={t('hisData.medins')} value={q.medins_id} onChange={(e) => setQ({ ...q, medins_id: e.target.value.trim() })} style={{ width: 200 }} />}
          <Button type="primary" onClick={() => setApplied(q)} data-testid="his-data-search">{t('hisData.search')}</Button>
        </Space>
      </Card>
      {rows.data && rows.data.items.length === 0 ? <Alert type="success" showIcon message={t('hisData.none')} /> : null}
      <Table<Row> size="small" data-testid="his-data-table" rowKey={(r) => `${r.medins_id}|${r.field}|${r.variant}`} dataSource={rows.data?.items ?? []} loading={rows.loading && !rows.data} pagination={{ pageSize: 20 }}
        columns={[
          { title: t('hisData.medins'), dataIndex: 'medins_id' },
          { title: t('hisData.field'), dataIndex: 'field', render: (f: string) => <Typography.Text code>{f}</Typography.Text> },
          { title: t('hisData.variant'), dataIndex: 'variant' },
          { title: t('hisData.count'), dataIndex: 'count', align: 'right', render: (n: number) => int(n) },
          { title: t('hisData.firstDay'), dataIndex: 'first_day' },
          { title: t('hisData.lastDay'), dataIndex: 'last_day' },
          { title: t('hisData.lastMsgid'), dataIndex: 'last_msgid' },
          { title: t('hisData.fix'), key: 'fix', render: (_: unknown, r: Row) => fixOf(r.field, r.variant) },
        ]} />
    </Space>
  );
}
