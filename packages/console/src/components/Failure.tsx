import { Result } from 'antd';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api.ts';

/** An API error as a page: 403 and 404 say so plainly, other errors show the server's message. */
export function Failure({ error }: { error: unknown }) {
  const { t } = useTranslation();
  const e = error instanceof ApiError ? error : null;
  if (e?.status === 403) return <Result status="403" title={t('app.forbidden')} subTitle={e.message} data-testid="forbidden" />;
  if (e?.status === 404) return <Result status="404" title={t('app.notFound')} subTitle={e.message} />;
  return <Result status="error" title={t('app.error')} subTitle={(error as Error)?.message ?? String(error)} />;
}
