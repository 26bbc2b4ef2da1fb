import { useEffect, useState, type ReactNode } from 'react';
import { Watermark } from 'antd';
import dayjs from 'dayjs';
import { useTranslation } from 'react-i18next';
import '../i18n/system.ts';

/**
 * Pages that show personal data carry the viewer's name and the time across the page (a photo or screenshot then
 * says who looked, and when). The time moves on every minute.
 */
export function PersonalWatermark({ name, userId, children }: { name: string; userId: string; children: ReactNode }) {
  const { t } = useTranslation();
  const [now, setNow] = useState(() => dayjs().format('YYYY-MM-DD HH:mm'));
  useEffect(() => {
    const h = setInterval(() => setNow(dayjs().format('YYYY-MM-DD HH:mm')), 60_000);
    return () => clearInterval(h);
  }, []);
  const who = name && name !== userId ? `${name}（${userId}）` : userId;
  return (
    <div data-testid="watermark" data-watermark={`${who} ${now}`}>
      <Watermark content={[who, now, t('watermark.hint')]} font={{ color: 'rgba(0, 0, 0, 0.10)', fontSize: 14 }} gap={[140, 110]} rotate={-20} zIndex={10}>
        {children}
      </Watermark>
    </div>
  );
}
