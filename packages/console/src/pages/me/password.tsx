import { useState } from 'react';
import { Alert, Button, Form, Input, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, setToken, type Me } from '../../api.ts';

/** POST /api/v1/auth/password: every session of the user ends and the answer carries the new one, kept here. */
export function ChangePasswordForm({ onChanged }: { onChanged: (me: Me) => void }) {
  const { t } = useTranslation();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm();
  const submit = async (v: { current_password: string; new_password: string }) => {
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<{ token: string; user: Me }>('/api/v1/auth/password', { current_password: v.current_password, new_password: v.new_password });
      setToken(r.token);
      form.resetFields();
      onChanged(r.user);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Form form={form} layout="vertical" onFinish={submit} data-testid="password-form" style={{ maxWidth: 400 }}>
      <Form.Item name="current_password" label={t('account.current')} rules={[{ required: true }]}>
        <Input.Password autoComplete="current-password" id="current_password" />
      </Form.Item>
      <Form.Item name="new_password" label={t('account.next')} rules={[{ required: true }, { min: 10, message: t('account.rule') }]} extra={<Typography.Text type="secondary">{t('account.rule')}</Typography.Text>}>
        <Input.Password autoComplete="new-password" id="new_password" />
      </Form.Item>
      <Form.Item name="confirm" label={t('account.confirm')} dependencies={['new_password']}
        rules={[{ required: true }, ({ getFieldValue }) => ({ validator: (_r, v) => (!v || v === getFieldValue('new_password') ? Promise.resolve() : Promise.reject(new Error(t('account.mismatch')))) })]}>
        <Input.Password autoComplete="new-password" id="confirm_password" />
      </Form.Item>
      {error ? <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} /> : null}
      <Button type="primary" htmlType="submit" loading={busy} data-testid="password-submit">{t('account.submit')}</Button>
    </Form>
  );
}
