import { useState } from 'react';
import { App, Button, Card, Empty, Segmented, Space, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useApi } from '../../useApi.ts';
import { navigate } from '../../router.ts';
import { Failure } from '../../components/Failure.tsx';
import { useNames } from '../../dictionary.ts';
import { dateTime, fenToYuan } from '../../format.ts';

import { loadTasks } from '../../components/TaskBadge.tsx';
import { useSession } from '../../session.tsx';
import { AssignDialog } from '../cases/assign.tsx';
import { sendEvent } from '../cases/model.ts';

export interface Task { kind: 'case' | 'review' | 'run' | 'import'; action: string; id: string; medins_id: string | null; status: string; amount_fen: number | null; due_at: string | null; overdue: boolean; link: string; assignee?: string | null }
export interface Tasks { items: Task[]; total: number; overdue: number }

type Filter = 'all' | 'overdue' | 'case' | 'review' | 'other';
const matches = (x: Task, f: Filter) => f === 'all' || (f === 'overdue' ? x.overdue : f === 'other' ? x.kind === 'run' || x.kind === 'import' : x.kind === f);

/** 待办: my tasks across cases, the review queue, runs and imports, with deadlines, overdue first. */
export function TasksPage() {
  const { t } = useTranslation();
  const names = useNames();
  const [fresh, setFresh] = useState(0);
  const tasks = useApi(() => loadTasks(fresh > 0), [fresh]);
  const [filter, setFilter] = useState<Filter>('all');
  const { me } = useSession();
  const { message } = App.useApp();
  const [assigning, setAssigning] = useState<string | null>(null);
  const lead = me.role === 'supervisor' || me.role === 'admin';
  // 领取 / 分派 on a case's review task, right here (the row itself opens the case)
  const claim = async (id: string) => {
    try {
      await sendEvent(id, { type: 'claim' });
      message.success(t('caseDetail.done'));
      setFresh((n) => n + 1);
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  if (tasks.error) return <Failure error={tasks.error} />;
  const all = tasks.data?.items ?? [];
  const shown = all.filter((x) => matches(x, filter));
  return (
    <Card size="small" title={t('tasks.title')} data-testid="tasks"
      extra={<Space>
        <Segmented<Filter> size="small" value={filter} onChange={setFilter} options={(['all', 'overdue', 'case', 'review', 'other'] as const).map((f) => ({ value: f, label: `${t(`tasks.filter.${f}`)} ${all.filter((x) => matches(x, f)).length}` }))} />
        <Button size="small" onClick={() => setFresh((n) => n + 1)} loading={tasks.loading}>{t('app.refresh')}</Button>
      </Space>}>
      <Table<Task> size="small" rowKey={(x) => `${x.kind}:${x.action}:${x.id}`} dataSource={shown} loading={tasks.loading} pagination={{ pageSize: 20, hideOnSinglePage: true }}
        rowClassName={(x) => (x.overdue ? 'fg-row-over' : '')} data-testid="task-table"
        locale={{ emptyText: <Empty description={t('tasks.empty')} /> }}
        onRow={(x) => ({ onClick: () => navigate(x.link), style: { cursor: 'pointer' } })}
        columns={[
          { title: t('tasks.what'), render: (_, x) => <span data-testid="task-action">{t(`tasks.action.${x.action}`, { n: x.id, defaultValue: x.action })}</span> },
          { title: t('tasks.item'), render: (_, x) => (x.action === 'claim' ? '—' : <a>{x.kind === 'run' || x.kind === 'import' ? `#${x.id}` : x.id}</a>) },
          { title: t('cases.medins'), render: (_, x) => (x.medins_id ? names.institution(x.medins_id) : '—') },
          { title: t('cases.status'), render: (_, x) => (x.kind === 'case' ? t(`status.${x.status}`, { defaultValue: x.status }) : t(`tasks.kind.${x.kind}`)) },
          { title: t('caseDetail.amount'), align: 'right', render: (_, x) => (x.amount_fen === null ? '—' : fenToYuan(x.amount_fen)) },
          { title: '', key: 'act', render: (_, x) => (x.kind === 'case' && (x.action === 'review' || x.action === 'assign') ? (
            <Space size={4} onClick={(e) => e.stopPropagation()}>
              {x.assignee || x.action !== 'review' ? null : <Button size="small" data-testid="task-claim" onClick={() => claim(x.id)}>{t('caseDetail.claim')}</Button>}
              {lead ? <Button size="small" data-testid="task-assign" onClick={() => setAssigning(x.id)}>{t('caseDetail.assignLevel')}</Button> : null}
            </Space>
          ) : x.assignee ? <Typography.Text type="secondary">{x.assignee}</Typography.Text> : null) },
          { title: t('tasks.due'), render: (_, x) => (x.due_at ? <span data-testid="task-due">{x.overdue ? <Tag color="error">{t('tasks.overdue')}</Tag> : null}<Typography.Text type={x.overdue ? 'danger' : undefined}>{dateTime(x.due_at)}</Typography.Text></span> : '—') },
        ]} />
      {assigning ? <AssignDialog caseId={assigning} open onClose={() => setAssigning(null)} onDone={() => { setAssigning(null); setFresh((n) => n + 1); }} /> : null}
    </Card>
  );
}
