import { useEffect, useState } from 'react';
import { Alert, Progress } from 'antd';
import { useTranslation } from 'react-i18next';

interface Readyz {
  status: string;
  phase?: string;
  reason?: string | null;
  progress?: number;
}

/**
 * While the server is still loading (the demo data on a first start, in the background), a banner says so with its
 * progress: the console is usable meanwhile, the lists fill up as the data arrives. Asks /readyz every 2 s until ready.
 */
export function StartupBanner() {
  const { i18n } = useTranslation();
  const [state, setState] = useState<Readyz | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const res = await fetch('/readyz');
        const body = (await res.json()) as Readyz;
        if (stopped) return;
        setState(res.ok ? null : body);
        if (res.ok) return;
      } catch {
        /* server restarting: ask again */
      }
      if (!stopped) timer = setTimeout(poll, 2000);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);
  if (!state || state.phase !== 'loading demo data') return null;
  const percent = state.progress ?? 0;
  const en = i18n.language === 'en';
  return (
    <Alert
      type="info"
      banner
      data-testid="startup-banner"
      message={<span>{en ? `Demo data loading ${percent} %` : `演示数据加载中 ${percent} %`} <Progress percent={percent} size="small" showInfo={false} style={{ width: 160, display: 'inline-block', marginLeft: 12 }} /></span>}
    />
  );
}
