import { useState } from 'react';
import { Button, Card, Input, Select, Space, Switch, Tag, Empty, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { navigate, setQuery, useLocation } from '../../router.ts';
import { Failure } from '../../components/Failure.tsx';
import { DayRange } from '../../components/Dates.tsx';
import { useNames } from '../../dictionary.ts';
import { useSession } from '../../session.tsx';
import { fenToYuan, int } from '../../format.ts';
import { DataTable } from '../../components/DataTable.tsx';

interface Row {
  mdtrt_id: string; medins_id: string; medins_name: string; adm_date: string; dscg_date: string | null; med_mdtrt_type: string; med_type: string; insutype: string;
  adm_dept_codg: string; adm_dept_name: string; dscg_main_dise_codg: string; dscg_main_dise_name: string; lines_sumamt: number; hifp_pay: number | null; findings: number;
}
const PAGE = 20;

/** 就诊查询: search by number, person, diagnosis, institution, period, type; the filters live in the query string. */
export function EncounterSearch() {
  const { t } = useTranslation();
  const { me } = useSession();
  const names = useNames();
  const { search } = useLocation();
  const f = { q: search.get('q') ?? '', medins_id: search.get('medins_id') ?? '', from: search.get('from') ?? '', to: search.get('to') ?? '', type: search.get('type') ?? '', flagged: search.get('flagged') === '1', page: Number(search.get('page') ?? 1) };
  const [draft, setDraft] = useState(f.q);
  const filters = { q: f.q, medins_id: f.medins_id, from: f.from, to: f.to, type: f.type, flagged: f.flagged || undefined };
  const list = useApi(() => api.get<{ items: Row[]; total: number }>('/api/v1/encounter-search', { ...filters, limit: PAGE, offset: (f.page - 1) * PAGE }),
    [f.q, f.medins_id, f.from, f.to, f.type, f.flagged, f.page]);
  const typeName = (r: Row) => (names.code('med_type', r.med_type) !== r.med_type ? names.code('med_type', r.med_type) : names.code('med_mdtrt_type', r.med_mdtrt_type));
  const institutions = Object.entries(names.all('institutions')).sort((a, b) => a[0].localeCompare(b[0]));
  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }} data-testid="encounter-search">
      <Card size="small">
        <Space wrap>
          <Input.Search value={draft} onChange={(e) => setDraft(e.target.value)} placeholder={t('encounter.searchHint')} enterButton={t('encounter.go')} style={{ width: 420 }} allowClear
            data-testid="encounter-lookup" onSearch={(x) => {
              const v = x.trim();
              // A whole encounter number opens it directly.
              if (/^(ZY|MZ|YD)\d{6,}$/i.test(v)) navigate(`/encounters/${encodeURIComponent(v)}`);
              else setQuery({ q: v, page: undefined });
            }} />
          {me.role === 'hospital' || me.role === 'insured' ? null : (
            <Select showSearch allowClear style={{ width: 240 }} placeholder={t('encounter.medins')} value={f.medins_id || undefined} optionFilterProp="label" data-testid="encounter-medins"
              options={institutions.map(([id, name]) => ({ value: id, label: `${name}（${id}）` }))} onChange={(v) => setQuery({ medins_id: v, page: undefined })} />
          )}
          <DayRange value={{ from: f.from || undefined, to: f.to || undefined }} allowEmpty onChange={(v) => setQuery({ from: v.from, to: v.to, page: undefined })} />
          <Select allowClear style={{ width: 120 }} placeholder={t('encounter.type')} value={f.type || undefined} onChange={(v) => setQuery({ type: v, page: undefined })}
            options={['1', '2'].map((v) => ({ value: v, label: names.code('med_mdtrt_type', v) }))} />
          <span>{t('encounter.withFindings')}</span><Switch size="small" checked={f.flagged} onChange={(v) => setQuery({ flagged: v ? '1' : undefined, page: undefined })} />
          <Button onClick={() => { setDraft(''); navigate('/encounters', true); }}>{t('cases.reset')}</Button>
        </Space>
      </Card>
      {list.error ? <Failure error={list.error} /> : (
        <Card size="small">
          <DataTable<Row> tableId="encounters" exportName={t('nav.encounters')} size="small" rowKey="mdtrt_id" loading={list.loading} dataSource={list.data?.items ?? []} data-testid="encounter-results"
            locale={{ emptyText: <Empty description={t('encounter.noResults')} /> }}
            exportAll={{ total: list.data?.total ?? 0, pageSize: 200, fetch: async (offset, limit) => (await api.get<{ items: Row[] }>('/api/v1/encounter-search', { ...filters, limit, offset })).items }}
            savedFilters={{ value: { q: f.q, medins_id: f.medins_id, from: f.from, to: f.to, type: f.type, flagged: f.flagged ? '1' : '' }, apply: (v) => { setDraft(v.q ?? ''); setQuery({ ...v, page: undefined }); } }}
            onRow={(r) => ({ onClick: () => navigate(`/encounters/${encodeURIComponent(r.mdtrt_id)}`), style: { cursor: 'pointer' } })}
            pagination={{ current: f.page, pageSize: PAGE, total: list.data?.total ?? 0, showSizeChanger: false, showTotal: (n) => t('total', { n }), onChange: (p) => setQuery({ page: p === 1 ? undefined : p }) }}
            columns={[
              { key: 'mdtrt_id', title: t('encounter.lookup'), dataIndex: 'mdtrt_id', render: (v: string) => <a>{v}</a> },
              { key: 'adm_date', title: t('encounter.adm'), dataIndex: 'adm_date', width: 110 },
              { key: 'dscg_date', title: t('encounter.dscg'), dataIndex: 'dscg_date', width: 110, defaultHidden: true },
              { key: 'type', title: t('encounter.type'), render: (_, r) => typeName(r), exportValue: typeName },
              ...(me.role === 'hospital' ? [] : [{ key: 'medins', title: t('encounter.medins'), render: (_: unknown, r: Row) => r.medins_name || names.institution(r.medins_id), exportValue: (r: Row) => r.medins_name || names.institution(r.medins_id) }]),
              { key: 'dept', title: t('encounter.dept'), render: (_, r) => r.adm_dept_name || names.department(r.adm_dept_codg), exportValue: (r) => r.adm_dept_name || names.department(r.adm_dept_codg) },
              { key: 'diag', title: t('encounter.diag'), render: (_, r) => (r.dscg_main_dise_codg ? <>{r.dscg_main_dise_name || names.all('diagnoses')[r.dscg_main_dise_codg] || ''} <Typography.Text type="secondary">{r.dscg_main_dise_codg}</Typography.Text></> : '—'),
                exportValue: (r) => (r.dscg_main_dise_codg ? names.diagnosis(r.dscg_main_dise_codg, r.dscg_main_dise_name) : '') },
              { key: 'insutype', title: t('errors.fields.insutype'), defaultHidden: true, render: (_, r) => names.code('insutype', r.insutype), exportValue: (r) => names.code('insutype', r.insutype) },
              { key: 'total', title: t('encounter.total'), dataIndex: 'lines_sumamt', align: 'right', render: (v: number) => fenToYuan(v), exportValue: (r) => r.lines_sumamt / 100, exportFormat: 'yuan' },
              { key: 'hifp_pay', title: t('settlement.fund'), dataIndex: 'hifp_pay', align: 'right', defaultHidden: true, render: (v: number | null) => fenToYuan(v), exportValue: (r) => (r.hifp_pay === null ? '' : r.hifp_pay / 100), exportFormat: 'yuan' },
              { key: 'findings', title: t('encounter.findings'), dataIndex: 'findings', align: 'right', render: (v: number) => (v ? <Tag color="red">{int(v)}</Tag> : '0') },
            ]} />
        </Card>
      )}
    </Space>
  );
}
