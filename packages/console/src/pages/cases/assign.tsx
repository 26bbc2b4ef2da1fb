import { useEffect, useState } from 'react';
import { App, Button, Form, Modal, Select, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { dateTime } from '../../format.ts';
import { sendEvent } from './model.ts';

/** GET /api/v1/cases/:id/eligible?for=level: who may be assigned the running level, in round-robin order. */
interface LevelCandidate { id: string; display_name: string; role: string; last_assigned_at: string | null }

/**
 * 分派: a supervisor picks the reviewer of the running level from the eligible users (never free text), or lets the
 * rotation pick the next one (round-robin, leaving out who reviewed the institution last month).
 */
export function AssignDialog({ caseId, open, onClose, onDone }: { caseId: string; open: boolean; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [users, setUsers] = useState<LevelCandidate[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<{ reviewer: string }>();
  useEffect(() => {
    if (!open) return;
    setUsers(null);
    api.get<{ users: LevelCandidate[] }>(`/api/v1/cases/${encodeURIComponent(caseId)}/eligible`, { for: 'level' })
      .then((r) => setUsers(r.users), (e: Error) => { message.error(e.message); setUsers([]); });
  }, [open, caseId, message]);
  const run = async (f: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await f();
      message.success(t('caseDetail.done'));
      onDone();
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open={open} title={t('caseDetail.assignLevel')} onCancel={onClose} destroyOnHidden data-testid="assign-dialog"
      footer={[
        <Button key="rotation" data-testid="assign-rotation" loading={busy} disabled={!users?.length} onClick={() => run(() => api.post(`/api/v1/cases/${encodeURIComponent(caseId)}/rotation`, {}))}>{t('caseDetail.byRotation')}</Button>,
        <Button key="ok" type="primary" data-testid="assign-ok" loading={busy} onClick={async () => { const v = await form.validateFields(); await run(() => sendEvent(caseId, { type: 'assign', reviewer: v.reviewer })); }}>{t('app.confirm')}</Button>,
      ]}>
      <Form form={form} layout="vertical" preserve={false}>
        <Form.Item name="reviewer" label={t('caseDetail.reviewerPick')} rules={[{ required: true }]} extra={users && !users.length ? t('caseDetail.noneEligible') : t('caseDetail.rotationHelp')}>
          <Select data-testid="assign-input" loading={users === null} showSearch optionFilterProp="label"
            options={(users ?? []).map((u) => ({ value: u.id, label: `${u.display_name || u.id} (${u.id})` }))}
            optionRender={(o) => {
              const u = users?.find((x) => x.id === o.value);
              return <Space direction="vertical" size={0}><span>{o.label}</span><Typography.Text type="secondary" style={{ fontSize: 12 }}>{u?.last_assigned_at ? t('caseDetail.lastAssigned', { at: dateTime(u.last_assigned_at) }) : t('caseDetail.neverAssigned')}</Typography.Text></Space>;
            }} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
