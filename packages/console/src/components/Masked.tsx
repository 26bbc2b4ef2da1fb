import { useState } from 'react';
import { Button, Tooltip, App, Input } from 'antd';
import { EyeOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { mask, type PersonalKind } from '../format.ts';
import { hasRole, useSession } from '../session.tsx';

/** Roles the server lets reveal (its default; FUNDGUARD_REVEAL_ROLES may narrow it, and the server decides). */
const REVEAL_ROLES = ['auditor', 'supervisor', 'admin'] as const;

/**
 * Personal data comes masked from the server; revealing a field asks for the reason, which the server records in the
 * audit log before it returns the value (architecture.md §4).
 */
export function Masked({ value, kind, entityType, entityId, field }: { value: string | null | undefined; kind: PersonalKind; entityType: string; entityId: string; field: string }) {
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  const { me } = useSession();
  const [shown, setShown] = useState<string | null>(null);
  if (!value) return <span>—</span>;
  // The server gives an insured person their own data unmasked (only their own is in scope): it is theirs to see.
  if (me?.role === 'insured') return <span data-testid="own-data">{value}</span>;
  if (shown !== null) return <span data-testid="revealed">{shown}</span>;
  const reveal = () => {
    let reason = '';
    modal.confirm({
      title: t('encounter.revealTitle'),
      content: <Input.TextArea data-testid="reveal-reason" autoFocus rows={2} maxLength={500} placeholder={t('encounter.revealReason')} onChange={(e) => { reason = e.target.value; }} />,
      okText: t('encounter.reveal'),
      onOk: async () => {
        if (reason.trim().length < 2) {
          message.warning(t('encounter.revealReasonRequired'));
          throw new Error('reason required'); // keeps the dialog open
        }
        try {
          const r = await api.post<{ value: string | null }>('/api/v1/audit-log/reveal', { entity_type: entityType, entity_id: entityId, field, reason: reason.trim() });
          setShown(r.value ?? '—');
          message.info(t('encounter.revealLogged'));
        } catch (e) {
          message.error((e as Error).message);
        }
      },
    });
  };
  return (
    <span className="fg-masked">
      {mask(value, kind)}{' '}
      {me && hasRole(me, REVEAL_ROLES) && (
        <Tooltip title={t('encounter.reveal')}>
          <Button size="small" type="link" icon={<EyeOutlined />} onClick={reveal} aria-label={t('encounter.reveal')} />
        </Tooltip>
      )}
    </span>
  );
}
