import { Card, Col, Row, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { useNames } from '../../dictionary.ts';
import { DataTable, type DataColumn } from '../../components/DataTable.tsx';
import type { UserRow } from './users.tsx';
import type { KeyRow } from './keys.tsx';

interface Named { code: string; name: string; users?: number; keys?: number }

/** 机构与科室: the institutions and departments the dictionary names, with the users and keys bound to each institution. */
export function InstitutionsPage() {
  const { t } = useTranslation();
  const names = useNames();
  const users = useApi(() => api.get<{ items: UserRow[] }>('/api/v1/users'), []);
  const keys = useApi(() => api.get<{ items: KeyRow[] }>('/api/v1/keys'), []);
  const institutions: Named[] = Object.entries(names.all('institutions')).sort((a, b) => a[0].localeCompare(b[0])).map(([code, name]) => ({
    code, name, users: (users.data?.items ?? []).filter((u) => u.institution_id === code).length, keys: (keys.data?.items ?? []).filter((k) => k.institution_id === code && !k.revoked_at).length,
  }));
  const departments: Named[] = Object.entries(names.all('departments')).sort((a, b) => a[0].localeCompare(b[0])).map(([code, name]) => ({ code, name }));
  const base: DataColumn<Named>[] = [
    { key: 'code', title: t('system.institutions.code'), dataIndex: 'code', sorter: (a, b) => a.code.localeCompare(b.code) },
    { key: 'name', title: t('system.institutions.name'), dataIndex: 'name', sorter: (a, b) => a.name.localeCompare(b.name, 'zh-CN') },
  ];
  return (
    <Card size="small" title={t('system.institutions.title')} data-testid="institutions-page">
      <Typography.Paragraph type="secondary">{t('system.institutions.help')}</Typography.Paragraph>
      <Row gutter={16}>
        <Col xs={24} xl={14}>
          <Typography.Title level={5}>{t('system.institutions.institutions')}</Typography.Title>
          <DataTable tableId="institutions" exportName={t('system.institutions.institutions')} size="small" rowKey="code" loading={!names.ready} dataSource={institutions} pagination={{ pageSize: 20, hideOnSinglePage: true, showTotal: (n) => t('total', { n }) }}
            columns={[...base,
              { key: 'users', title: t('system.institutions.users'), dataIndex: 'users', align: 'right' },
              { key: 'keys', title: t('system.institutions.keys'), dataIndex: 'keys', align: 'right' }]} />
        </Col>
        <Col xs={24} xl={10}>
          <Typography.Title level={5}>{t('system.institutions.departments')}</Typography.Title>
          <DataTable tableId="departments" exportName={t('system.institutions.departments')} size="small" rowKey="code" loading={!names.ready} dataSource={departments} columns={base}
            pagination={{ pageSize: 20, hideOnSinglePage: true, showTotal: (n) => t('total', { n }) }} />
        </Col>
      </Row>
    </Card>
  );
}
