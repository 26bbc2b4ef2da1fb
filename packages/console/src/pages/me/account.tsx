import { useState } from 'react';
import { Alert, Card, Descriptions, Space, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { useSession } from '../../session.tsx';
import { ChangePasswordForm } from './password.tsx';

/** My account: who I am, and a password change (which signs out my other sessions). */
export function AccountPage() {
  const { t } = useTranslation();
  const { me, replace } = useSession();
  const [done, setDone] = useState(false);
  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }} data-testid="account">
      <Card size="small" title={t('account.title')}>
        <Descriptions column={1} size="small">
          <Descriptions.Item label={t('account.user')}>{me.id}</Descriptions.Item>
          <Descriptions.Item label={t('account.role')}><Tag color="blue">{t(`roles.${me.role}`)}</Tag>{me.institutionId ? <Tag>{me.institutionId}</Tag> : null}</Descriptions.Item>
        </Descriptions>
        <Alert type="info" showIcon title={t('account.sessionHint')} />
      </Card>
      <Card size="small" title={t('account.changePassword')}>
        {done ? <Alert type="success" showIcon title={t('account.changed')} style={{ marginBottom: 16 }} data-testid="password-changed" /> : null}
        <ChangePasswordForm onChanged={(m) => { setDone(true); replace(m); }} />
      </Card>
    </Space>
  );
}
