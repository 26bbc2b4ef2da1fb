import { useState } from 'react';
import { Alert, Button, Card, Form, Input, Space, Typography } from 'antd';
import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { api, setToken, type Me } from '../../api.ts';
import { setLang } from '../../i18n/index.ts';
import { ChangePasswordForm } from '../me/password.tsx';

/**
 * User name and password → a session key (POST /api/v1/auth/login: 8 h, ended after 30 min unused). A session that
 * must change its password (an administrator's reset, the demo password outside demo mode) gets the change form
 * first. Machines use API keys instead.
 */
export function LoginPage({ onSignedIn, mustChange }: { onSignedIn: (me: Me) => void; mustChange?: boolean }) {
  const { t, i18n } = useTranslation();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [changing, setChanging] = useState(mustChange ?? false);
  const submit = async (v: { username: string; password: string }) => {
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<{ token: string; user: Me; password_change_required?: boolean }>('/api/v1/auth/login', v);
      setToken(r.token);
      if (r.password_change_required) setChanging(true);
      else onSignedIn(r.user);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="fg-login">
      <Card style={{ width: 400 }} title={<Space direction="vertical" size={0}><Typography.Title level={4} style={{ margin: 0 }}>{t('app.title')}</Typography.Title><span>{t('login.title')}</span></Space>}
        extra={<Button size="small" data-testid="lang-switch" onClick={() => setLang(i18n.language === 'en' ? 'zh-CN' : 'en')}>{t('app.language')}</Button>}>
        {changing ? (
          <div data-testid="must-change">
            <Alert type="warning" showIcon title={t('account.mustChange')} description={t('account.mustChangeHint')} style={{ marginBottom: 16 }} />
            <ChangePasswordForm onChanged={onSignedIn} />
          </div>
        ) : <>
        <Form layout="vertical" onFinish={submit} data-testid="login-form">
          <Form.Item name="username" label={t('login.username')} rules={[{ required: true }]}>
            <Input prefix={<UserOutlined />} autoComplete="username" id="username" />
          </Form.Item>
          <Form.Item name="password" label={t('login.password')} rules={[{ required: true }]}>
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" id="password" />
          </Form.Item>
          {error ? <Alert type="error" showIcon title={t('login.failed')} description={error} style={{ marginBottom: 16 }} /> : null}
          <Button type="primary" htmlType="submit" block loading={busy} data-testid="login-submit">{t('login.submit')}</Button>
        </Form>
        <Typography.Paragraph type="secondary" style={{ marginTop: 16, fontSize: 12 }}>{t('login.demo')}</Typography.Paragraph>
        </>}
      </Card>
    </div>
  );
}
