import { Card, Typography } from 'antd';
import { CheckOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { api, type Role } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { Failure } from '../../components/Failure.tsx';
import { DataTable, type DataColumn } from '../../components/DataTable.tsx';
import type { UserRow } from './users.tsx';

interface Matrix { roles: Role[]; permissions: { permission: string; roles: Role[] }[] }

/** 角色与权限: what each role may do, from the server's own permission table (GET /api/v1/roles), not a copy. */
export function RolesPage() {
  const { t } = useTranslation();
  const m = useApi(() => api.get<Matrix>('/api/v1/roles'), []);
  const users = useApi(() => api.get<{ items: UserRow[] }>('/api/v1/users'), []);
  if (m.error) return <Failure error={m.error} />;
  const roles = m.data?.roles ?? [];
  const count = (r: Role) => (users.data?.items ?? []).filter((u) => u.role === r && !u.disabled).length;
  const permName = (p: string) => t(`perm.${p.replace(/\./g, '_')}`, { defaultValue: p });
  const columns: DataColumn<Matrix['permissions'][number]>[] = [
    { key: 'permission', title: t('system.roles.permission'), render: (_, p) => <>{permName(p.permission)} <Typography.Text type="secondary" style={{ fontSize: 12 }}>{p.permission}</Typography.Text></>, exportValue: (p) => permName(p.permission) },
    ...roles.map((r): DataColumn<Matrix['permissions'][number]> => ({
      key: r, title: `${t(`roles.${r}`)}${users.data ? ` (${count(r)})` : ''}`, align: 'center',
      render: (_, p) => (p.roles.includes(r) ? <CheckOutlined style={{ color: '#389e0d' }} aria-label="✓" /> : ''),
      exportValue: (p) => (p.roles.includes(r) ? '✓' : ''),
    })),
  ];
  return (
    <Card size="small" title={t('system.roles.title')} data-testid="roles-page">
      <Typography.Paragraph type="secondary">{t('system.roles.help')}</Typography.Paragraph>
      <DataTable tableId="roles" exportName={t('system.roles.title')} size="small" rowKey="permission" loading={m.loading} dataSource={m.data?.permissions ?? []} columns={columns} pagination={false} />
    </Card>
  );
}
