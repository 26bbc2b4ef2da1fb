import { useEffect, useState } from 'react';
import { Badge, Button, Tooltip } from 'antd';
import { BellOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { useApi } from '../useApi.ts';
import { navigate } from '../router.ts';
import type { Tasks } from '../pages/tasks/index.tsx';

let shared: Promise<Tasks> | null = null;
let sharedAt = 0;
/** One request for the header badge and the page within 30 s. */
export function loadTasks(fresh = false): Promise<Tasks> {
  if (fresh || !shared || Date.now() - sharedAt > 30_000) {
    shared = api.get<Tasks>('/api/v1/tasks');
    sharedAt = Date.now();
    shared.catch(() => (shared = null));
  }
  return shared;
}

/** The header's 待办 count (overdue in red), refreshed every minute. */
export function TaskBadge() {
  const { t } = useTranslation();
  const [tick, setTick] = useState(0);
  const tasks = useApi(() => loadTasks(), [tick]);
  useEffect(() => {
    const h = setInterval(() => setTick((n) => n + 1), 60_000);
    return () => clearInterval(h);
  }, []);
  const d = tasks.data;
  return (
    <Tooltip title={d ? t('tasks.badge', { n: d.total, overdue: d.overdue }) : t('tasks.title')}>
      <Badge count={d?.overdue || d?.total || 0} color={d?.overdue ? 'red' : 'blue'} size="small" offset={[-2, 2]} overflowCount={999}>
        <Button size="small" icon={<BellOutlined />} onClick={() => navigate('/tasks')} data-testid="task-badge">{t('tasks.title')}</Button>
      </Badge>
    </Tooltip>
  );
}

