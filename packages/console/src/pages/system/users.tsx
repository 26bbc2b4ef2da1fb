import { useState } from 'react';
import { Alert, App, Button, Card, Checkbox, Form, Input, Modal, Select, Space, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { api, type Role } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { setQuery, useLocation } from '../../router.ts';
import { useSession } from '../../session.tsx';
import { useNames } from '../../dictionary.ts';
import { Failure } from '../../components/Failure.tsx';
import { InstitutionPicker } from '../../components/InstitutionPicker.tsx';
import { useConfirm } from '../../components/confirm.ts';
import { DataTable, type DataColumn } from '../../components/DataTable.tsx';
import { dateTime } from '../../format.ts';

export interface UserRow {
  username: string; display_name: string; role: Role; institution_id: string | null; patn_id: string | null; disabled: boolean; must_change_password: boolean;
  created_at: string; password_changed_at: string | null; locked_until: string | null;
}

/** Roles a person can sign in with (integration is for machines: API keys). */
export const USER_ROLES: Role[] = ['admin', 'rule_admin', 'auditor', 'supervisor', 'hospital', 'insured'];

/** A password that passes the policy (14 characters of letters and digits, from the browser's cryptographic generator). */
export function generatePassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = crypto.getRandomValues(new Uint8Array(14));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

interface UserForm { username?: string; display_name?: string; role: Role; institution_id?: string; patn_id?: string; password?: string; must_change_password?: boolean }

function UserModal({ open, editing, onClose, onDone }: { open: boolean; editing: UserRow | null; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<UserForm>();
  const [busy, setBusy] = useState(false);
  const role = Form.useWatch('role', form);
  const submit = async (v: UserForm) => {
    setBusy(true);
    try {
      if (editing) {
        await api.patch(`/api/v1/users/${encodeURIComponent(editing.username)}`, {
          role: v.role, display_name: v.display_name ?? '',
          institution_id: v.role === 'hospital' ? v.institution_id ?? null : v.institution_id || null,
          patn_id: v.role === 'insured' ? v.patn_id?.trim() || null : null,
        });
        message.success(t('system.users.saved'));
      } else {
        await api.post('/api/v1/users', {
          username: v.username?.trim(), password: v.password, role: v.role, display_name: v.display_name?.trim() || undefined,
          institution_id: v.institution_id || undefined, patn_id: v.role === 'insured' ? v.patn_id?.trim() : undefined, must_change_password: v.must_change_password ?? true,
        });
        message.success(t('system.users.created_ok', { name: v.username }));
      }
      onDone();
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open={open} title={editing ? `${t('system.users.edit')} · ${editing.username}` : t('system.users.create')} onCancel={onClose} destroyOnHidden
      okText={t('app.confirm')} cancelText={t('app.cancel')} confirmLoading={busy} onOk={() => form.submit()} okButtonProps={{ 'data-testid': 'user-save' } as Record<string, string>}>
      <Form form={form} layout="vertical" onFinish={submit} preserve={false} data-testid="user-form"
        initialValues={editing ? { role: editing.role, display_name: editing.display_name, institution_id: editing.institution_id ?? undefined, patn_id: editing.patn_id ?? undefined } : { role: 'auditor', must_change_password: true, password: generatePassword() }}>
        {editing ? null : (
          <Form.Item name="username" label={t('system.users.username')} extra={t('system.users.usernameRule')} rules={[{ required: true, pattern: /^[A-Za-z0-9_.@-]{2,64}$/, message: t('system.users.usernameRule') }]}>
            <Input data-testid="user-username" autoComplete="off" />
          </Form.Item>
        )}
        <Form.Item name="display_name" label={t('system.users.displayName')}><Input data-testid="user-display-name" maxLength={200} /></Form.Item>
        <Form.Item name="role" label={t('system.users.role')} rules={[{ required: true }]}>
          <Select data-testid="user-role" options={USER_ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))} />
        </Form.Item>
        {role === 'hospital' || (editing && editing.institution_id) ? (
          <Form.Item name="institution_id" label={t('system.users.institution')} rules={role === 'hospital' ? [{ required: true, message: t('system.users.institutionRequired') }] : []}>
            <InstitutionPicker onChange={(v) => form.setFieldValue('institution_id', v)} testId="user-institution" width={420} />
          </Form.Item>
        ) : null}
        {role === 'insured' ? (
          <Form.Item name="patn_id" label={t('system.users.patnId')} rules={[{ required: true, message: t('system.users.patnRequired') }]}><Input maxLength={64} /></Form.Item>
        ) : null}
        {editing ? <Alert type="info" showIcon title={t('system.users.scopeNote')} /> : (
          <>
            <Form.Item label={t('system.users.password')} extra={t('system.users.passwordHint')} required>
              <Space.Compact style={{ width: '100%' }}>
                <Form.Item name="password" noStyle rules={[{ required: true, min: 10 }]}><Input data-testid="user-password" autoComplete="new-password" /></Form.Item>
                <Button onClick={() => form.setFieldValue('password', generatePassword())}>{t('system.users.generate')}</Button>
              </Space.Compact>
            </Form.Item>
            <Form.Item name="must_change_password" valuePropName="checked"><Checkbox>{t('system.users.mustChangeFirst')}</Checkbox></Form.Item>
          </>
        )}
      </Form>
    </Modal>
  );
}

function ResetModal({ user, onClose }: { user: UserRow | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [pw, setPw] = useState(generatePassword);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    if (!user) return;
    setBusy(true);
    try {
      await api.post(`/api/v1/users/${encodeURIComponent(user.username)}/password`, { password: pw });
      message.success(t('system.users.resetOk', { name: user.username }));
      onClose();
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open={!!user} title={user ? `${t('system.users.reset')} · ${user.username}` : ''} onCancel={onClose} onOk={submit} confirmLoading={busy} okText={t('app.confirm')} cancelText={t('app.cancel')} destroyOnHidden
      okButtonProps={{ 'data-testid': 'reset-ok' } as Record<string, string>}>
      <Typography.Paragraph type="secondary">{t('system.users.passwordHint')}</Typography.Paragraph>
      <Space.Compact style={{ width: '100%' }}>
        <Input value={pw} onChange={(e) => setPw(e.target.value)} data-testid="reset-password" aria-label={t('system.users.newPassword')} />
        <Button onClick={() => setPw(generatePassword())}>{t('system.users.generate')}</Button>
      </Space.Compact>
    </Modal>
  );
}

/** 用户管理: who may sign in, with which role and for which institution; create, change, disable, reset, sign out. */
export function UsersPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { me } = useSession();
  const names = useNames();
  const confirm = useConfirm();
  const { search } = useLocation();
  const f = { q: search.get('q') ?? '', role: search.get('role') ?? '' };
  const [draft, setDraft] = useState(f.q);
  const users = useApi(() => api.get<{ items: UserRow[] }>('/api/v1/users'), []);
  const [modal, setModal] = useState<{ editing: UserRow | null } | null>(null);
  const [resetting, setResetting] = useState<UserRow | null>(null);
  if (users.error) return <Failure error={users.error} />;
  const q = f.q.trim().toLowerCase();
  const rows = (users.data?.items ?? []).filter((u) => (!f.role || u.role === f.role)
    && (!q || [u.username, u.display_name, u.institution_id ?? '', names.institution(u.institution_id)].some((x) => x.toLowerCase().includes(q))));
  const act = (run: () => Promise<unknown>, ok: string) => async () => {
    try {
      await run();
      message.success(ok);
      users.reload();
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  const statusWords = (u: UserRow) => [
    u.disabled ? t('system.users.disabled') : t('system.users.active'),
    ...(u.locked_until ? [t('system.users.locked', { until: dateTime(u.locked_until) })] : []),
    ...(u.must_change_password ? [t('system.users.mustChange')] : []),
  ];
  const columns: DataColumn<UserRow>[] = [
    { key: 'username', title: t('system.users.username'), dataIndex: 'username', sorter: (a, b) => a.username.localeCompare(b.username) },
    { key: 'display_name', title: t('system.users.displayName'), dataIndex: 'display_name' },
    { key: 'role', title: t('system.users.role'), dataIndex: 'role', render: (r: Role) => <Tag color="blue">{t(`roles.${r}`)}</Tag>, exportValue: (u) => t(`roles.${u.role}`) },
    { key: 'institution', title: t('system.users.institution'), render: (_, u) => (u.institution_id ? <>{names.institution(u.institution_id)} <Typography.Text type="secondary">{u.institution_id}</Typography.Text></> : '—'),
      exportValue: (u) => (u.institution_id ? `${names.institution(u.institution_id)}（${u.institution_id}）` : '') },
    { key: 'patn_id', title: t('system.users.patnId'), dataIndex: 'patn_id', defaultHidden: true },
    { key: 'status', title: t('system.users.status'), render: (_, u) => <Space size={2} wrap data-testid="user-status">{statusWords(u).map((w, i) => <Tag key={w} color={i === 0 ? (u.disabled ? 'default' : 'green') : 'orange'}>{w}</Tag>)}</Space>,
      exportValue: (u) => statusWords(u).join('、') },
    { key: 'created_at', title: t('system.users.created'), dataIndex: 'created_at', render: dateTime, exportValue: (u) => dateTime(u.created_at) },
    { key: 'password_changed_at', title: t('system.users.pwChanged'), dataIndex: 'password_changed_at', render: dateTime, exportValue: (u) => dateTime(u.password_changed_at), defaultHidden: true },
    { key: 'actions', title: t('system.users.actions'), noExport: true, render: (_, u) => (
      <Space size={0} wrap>
        <Button size="small" type="link" data-testid="user-edit" onClick={() => setModal({ editing: u })}>{t('system.users.edit')}</Button>
        <Button size="small" type="link" data-testid="user-reset" onClick={() => setResetting(u)}>{t('system.users.reset')}</Button>
        {u.disabled
          ? <Button size="small" type="link" data-testid="user-enable" onClick={act(() => api.post(`/api/v1/users/${encodeURIComponent(u.username)}/enable`), t('system.users.enabledOk', { name: u.username }))}>{t('system.users.enable')}</Button>
          : u.username !== me.id ? <Button size="small" type="link" danger data-testid="user-disable" onClick={() => confirm(t('system.users.disableConfirm', { name: u.username }), act(() => api.post(`/api/v1/users/${encodeURIComponent(u.username)}/disable`), t('system.users.disabledOk', { name: u.username })), t('system.users.disableContent'))}>{t('system.users.disable')}</Button> : null}
        {!u.disabled ? <Button size="small" type="link" onClick={() => confirm(t('system.users.endConfirm', { name: u.username }), async () => {
          try {
            const r = await api.delete<{ ended: number }>(`/api/v1/users/${encodeURIComponent(u.username)}/sessions`);
            message.success(t('system.users.sessionsEnded', { n: r.ended }));
          } catch (e) {
            message.error((e as Error).message);
          }
        })}>{t('system.users.endSessions')}</Button> : null}
      </Space>
    ) },
  ];
  return (
    <Card size="small" title={t('system.users.title')} data-testid="users-page" extra={<Button type="primary" icon={<PlusOutlined />} data-testid="user-create" onClick={() => setModal({ editing: null })}>{t('system.users.create')}</Button>}>
      <DataTable<UserRow> tableId="users" exportName={t('system.users.title')} size="small" rowKey="username" loading={users.loading} dataSource={rows} columns={columns}
        pagination={{ pageSize: 20, showTotal: (n) => t('total', { n }), hideOnSinglePage: true }}
        savedFilters={{ value: { q: f.q, role: f.role }, apply: (v) => { setDraft(v.q ?? ''); setQuery({ q: v.q, role: v.role }); } }}
        toolbar={
          <Space wrap>
            <Input.Search allowClear value={draft} onChange={(e) => setDraft(e.target.value)} onSearch={(v) => setQuery({ q: v.trim() })} placeholder={t('system.users.search')} style={{ width: 280 }} data-testid="user-search" />
            <Select allowClear style={{ width: 160 }} placeholder={t('system.users.role')} value={f.role || undefined} onChange={(v) => setQuery({ role: v })} options={USER_ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))} />
          </Space>
        } />
      <UserModal open={!!modal} editing={modal?.editing ?? null} onClose={() => setModal(null)} onDone={() => { setModal(null); users.reload(); }} />
      <ResetModal user={resetting} onClose={() => { setResetting(null); users.reload(); }} />
    </Card>
  );
}
