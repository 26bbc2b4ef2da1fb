import { useState } from 'react';
import { Alert, App, Button, Card, Descriptions, Form, Input, Modal, Select, Space, Switch, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { api, type Role } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { useNames } from '../../dictionary.ts';
import { Failure } from '../../components/Failure.tsx';
import { InstitutionPicker } from '../../components/InstitutionPicker.tsx';
import { useConfirm } from '../../components/confirm.ts';
import { DataTable, type DataColumn } from '../../components/DataTable.tsx';
import { dateTime } from '../../format.ts';

export interface KeyRow {
  key_id: string; label: string; role: Role; institution_id: string | null; patn_id: string | null; created_at: string; created_by: string;
  expires_at: string | null; revoked_at: string | null; previous_valid_until: string | null;
}
interface Issued { key: string; paasid?: string; secret?: string; key_id: string }

const KEY_ROLES: Role[] = ['integration', 'hospital', 'admin', 'rule_admin', 'auditor', 'supervisor', 'insured'];

/** The key and the x-tif credentials, shown once: copy buttons, and a warning that they will not be shown again. */
function IssuedModal({ issued, onClose }: { issued: Issued | null; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal open={!!issued} title={issued?.key_id} onCancel={onClose} closable={false} maskClosable={false} destroyOnHidden
      footer={<Button type="primary" onClick={onClose} data-testid="issued-close">{t('system.keys.close')}</Button>}>
      <Alert type="warning" showIcon title={t('system.keys.shownOnce')} style={{ marginBottom: 12 }} />
      {issued ? (
        <Descriptions size="small" column={1} bordered data-testid="issued" items={[
          { label: t('system.keys.key'), children: <Typography.Text code copyable data-testid="issued-key">{issued.key}</Typography.Text> },
          ...(issued.paasid ? [
            { label: t('system.keys.paasid'), children: <Typography.Text code copyable data-testid="issued-paasid">{issued.paasid}</Typography.Text> },
            { label: t('system.keys.secret'), children: <Typography.Text code copyable data-testid="issued-secret">{issued.secret}</Typography.Text> },
          ] : []),
        ]} />
      ) : null}
    </Modal>
  );
}

interface KeyForm { role: Role; label?: string; institution_id?: string; patn_id?: string; register?: boolean; paasid?: string; secret?: string }

/** 接口密钥: keys of HIS and other systems; create (an integration key with its paasid and secret shown once), rotate, revoke. */
export function KeysPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const names = useNames();
  const confirm = useConfirm();
  const keys = useApi(() => api.get<{ items: KeyRow[] }>('/api/v1/keys'), []);
  const [creating, setCreating] = useState(false);
  const [issued, setIssued] = useState<Issued | null>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<KeyForm>();
  const role = Form.useWatch('role', form);
  const register = Form.useWatch('register', form);
  if (keys.error) return <Failure error={keys.error} />;

  const create = async (v: KeyForm) => {
    setBusy(true);
    try {
      const r = await api.post<Issued>('/api/v1/keys', {
        role: v.role, label: v.label?.trim() || undefined, institution_id: v.institution_id || undefined, patn_id: v.role === 'insured' ? v.patn_id?.trim() : undefined,
        ...(v.role === 'integration' && v.register ? { paasid: v.paasid?.trim(), secret: v.secret } : {}),
      });
      setCreating(false);
      setIssued(r);
      keys.reload();
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const statusWords = (k: KeyRow) => [
    k.revoked_at ? t('system.keys.revoked', { at: dateTime(k.revoked_at) }) : t('system.keys.active'),
    ...(k.previous_valid_until && !k.revoked_at && Date.parse(k.previous_valid_until) > Date.now() ? [t('system.keys.graceUntil', { at: dateTime(k.previous_valid_until) })] : []),
  ];
  const columns: DataColumn<KeyRow>[] = [
    { key: 'key_id', title: t('system.keys.keyId'), dataIndex: 'key_id', render: (v: string) => <Typography.Text code>{v}</Typography.Text> },
    { key: 'label', title: t('system.keys.label'), dataIndex: 'label' },
    { key: 'role', title: t('system.keys.role'), dataIndex: 'role', render: (r: Role) => <Tag color="blue">{t(`roles.${r}`)}</Tag>, exportValue: (k) => t(`roles.${k.role}`) },
    { key: 'institution', title: t('system.keys.institution'), render: (_, k) => (k.institution_id ? <>{names.institution(k.institution_id)} <Typography.Text type="secondary">{k.institution_id}</Typography.Text></> : '—'),
      exportValue: (k) => (k.institution_id ? `${names.institution(k.institution_id)}（${k.institution_id}）` : '') },
    { key: 'status', title: t('system.keys.status'), render: (_, k) => <Space size={2} wrap data-testid="key-status">{statusWords(k).map((w, i) => <Tag key={w} color={i ? 'orange' : k.revoked_at ? 'default' : 'green'}>{w}</Tag>)}</Space>, exportValue: (k) => statusWords(k).join('、') },
    { key: 'created_at', title: t('system.keys.created'), dataIndex: 'created_at', render: dateTime, exportValue: (k) => dateTime(k.created_at) },
    { key: 'created_by', title: t('system.keys.createdBy'), dataIndex: 'created_by' },
    { key: 'actions', title: t('system.users.actions'), noExport: true, render: (_, k) => (k.revoked_at || k.label === 'FUNDGUARD_ADMIN_KEY' ? null : (
      <Space size={0}>
        <Button size="small" type="link" data-testid="key-rotate" onClick={() => confirm(t('system.keys.rotateConfirm', { id: k.key_id }), async () => {
          try {
            setIssued(await api.post<Issued>(`/api/v1/keys/${encodeURIComponent(k.key_id)}/rotate`, {}));
            keys.reload();
          } catch (e) {
            message.error((e as Error).message);
          }
        }, t('system.keys.rotateContent'))}>{t('system.keys.rotate')}</Button>
        <Button size="small" type="link" danger data-testid="key-revoke" onClick={() => confirm(t('system.keys.revokeConfirm', { id: k.key_id }), async () => {
          try {
            await api.delete(`/api/v1/keys/${encodeURIComponent(k.key_id)}`);
            message.success(t('system.keys.revokedOk', { id: k.key_id }));
            keys.reload();
          } catch (e) {
            message.error((e as Error).message);
          }
        }, t('system.keys.revokeContent'))}>{t('system.keys.revoke')}</Button>
      </Space>
    )) },
  ];
  return (
    <Card size="small" title={t('system.keys.title')} data-testid="keys-page"
      extra={<Button type="primary" icon={<PlusOutlined />} data-testid="key-create" onClick={() => { form.resetFields(); setCreating(true); }}>{t('system.keys.create')}</Button>}>
      <Typography.Paragraph type="secondary">{t('system.keys.help')}</Typography.Paragraph>
      <DataTable<KeyRow> tableId="keys" exportName={t('system.keys.title')} size="small" rowKey="key_id" loading={keys.loading} dataSource={keys.data?.items ?? []} columns={columns}
        rowClassName={(k) => (k.revoked_at ? 'fg-row-muted' : '')} pagination={{ pageSize: 20, hideOnSinglePage: true, showTotal: (n) => t('total', { n }) }} />
      <Modal open={creating} title={t('system.keys.create')} onCancel={() => setCreating(false)} onOk={() => form.submit()} confirmLoading={busy} okText={t('app.confirm')} cancelText={t('app.cancel')}
        okButtonProps={{ 'data-testid': 'key-save' } as Record<string, string>} forceRender>
        <Form form={form} layout="vertical" onFinish={create} initialValues={{ role: 'integration' }} data-testid="key-form">
          <Form.Item name="role" label={t('system.keys.role')} rules={[{ required: true }]} extra={role === 'integration' ? t('system.keys.integrationHint') : undefined}>
            <Select data-testid="key-role" options={KEY_ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))} />
          </Form.Item>
          <Form.Item name="label" label={t('system.keys.label')}><Input maxLength={200} data-testid="key-label" /></Form.Item>
          <Form.Item name="institution_id" label={t('system.keys.institution')} rules={role === 'hospital' ? [{ required: true, message: t('system.keys.institutionRequired') }] : []}>
            <InstitutionPicker onChange={(v) => form.setFieldValue('institution_id', v)} testId="key-institution" width={420} />
          </Form.Item>
          {role === 'insured' ? <Form.Item name="patn_id" label={t('system.keys.patnId')} rules={[{ required: true }]}><Input maxLength={64} /></Form.Item> : null}
          {role === 'integration' ? (
            <>
              <Form.Item name="register" label={t('system.keys.registered')} valuePropName="checked"><Switch size="small" /></Form.Item>
              {register ? (
                <>
                  <Form.Item name="paasid" label={t('system.keys.paasidOwn')} rules={[{ required: true, pattern: /^[A-Za-z0-9_.:-]{4,64}$/ }]}><Input /></Form.Item>
                  <Form.Item name="secret" label={t('system.keys.secretOwn')} rules={[{ required: true, min: 8, max: 256 }]}><Input.Password autoComplete="new-password" /></Form.Item>
                </>
              ) : null}
            </>
          ) : null}
        </Form>
      </Modal>
      <IssuedModal issued={issued} onClose={() => setIssued(null)} />
    </Card>
  );
}
