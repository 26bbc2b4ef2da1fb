import { useState } from 'react';
import { Button, Tooltip, App } from 'antd';
import { EyeOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { mask, type PersonalKind } from '../format.ts';

/** Personal data shows masked; revealing it is recorded in the audit log first (architecture.md §4). */
export function Masked({ value, kind, entityType, entityId, field }: { value: string | null | undefined; kind: PersonalKind; entityType: string; entityId: string; field: string }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [shown, setShown] = useState(false);
  if (!value) return <span>—</span>;
  if (shown) return <span data-testid="revealed">{value}</span>;
  const reveal = async () => {
    try {
      await api.post('/api/v1/audit-log/reveal', { entity_type: entityType, entity_id: entityId, field });
      setShown(true);
      message.info(t('encounter.revealLogged'));
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  return (
    <span className="fg-masked">
      {mask(value, kind)}{' '}
      <Tooltip title={t('encounter.reveal')}>
        <Button size="small" type="link" icon={<EyeOutlined />} onClick={reveal} aria-label={t('encounter.reveal')} />
      </Tooltip>
    </span>
  );
}
