import { App } from 'antd';
import { useTranslation } from 'react-i18next';

/** Asks before an action that cannot be taken back; `run` starts only on 确认. */
export function useConfirm(): (title: string, run: () => unknown, content?: string) => void {
  const { modal } = App.useApp();
  const { t } = useTranslation();
  return (title, run, content) => {
    void modal.confirm({
      title, content: content ?? t('app.irreversible'), okText: t('app.confirm'), cancelText: t('app.cancel'),
      okButtonProps: { 'data-testid': 'confirm-ok' } as Record<string, string>,
      onOk: async () => {
        await run();
      },
    });
  };
}
