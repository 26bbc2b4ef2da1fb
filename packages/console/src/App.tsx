import { Suspense, useEffect, useState } from 'react';
import { App as AntApp, Button, ConfigProvider, Layout, Menu, Result, Space, Spin, Tag, Typography } from 'antd';
import zh from 'antd/locale/zh_CN';
import enUS from 'antd/locale/en_US';
import { useTranslation } from 'react-i18next';
import { api, getToken, setToken, type Me } from './api.ts';
import { endSession, SessionContext } from './session.tsx';
import { navigate, matchPath, useLocation } from './router.ts';
import { setLang, type Lang } from './i18n/index.ts';
import { PAGES, home } from './pages/registry.tsx';
import { resetDictionary, useNames } from './dictionary.ts';
import { TaskBadge } from './components/TaskBadge.tsx';
import { useApi } from './useApi.ts';
import { LoginPage } from './pages/login/index.tsx';
import { StartupBanner } from './components/StartupBanner.tsx';

function LangSwitch() {
  const { t, i18n } = useTranslation();
  const next: Lang = i18n.language === 'en' ? 'zh-CN' : 'en';
  return <Button size="small" data-testid="lang-switch" onClick={() => setLang(next)}>{t('app.language')}</Button>;
}

function Shell({ me, signOut, replace }: { me: Me; signOut: () => void; replace: (me: Me) => void }) {
  const { t } = useTranslation();
  const { path } = useLocation();
  const names = useNames();
  // The sign-in answer has no display name: ask who-am-I once for it.
  const who = useApi(() => (me.display_name !== undefined ? Promise.resolve(me) : api.get<Me>('/api/v1/me')), [me]);
  const displayName = who.data?.display_name || me.id;
  useEffect(() => {
    if (path === '/' || path === '/login') navigate(home(me.role), true);
  }, [path, me.role]);
  let page: { def: (typeof PAGES)[number]; params: Record<string, string> } | null = null;
  for (const def of PAGES) {
    const params = matchPath(def.path, path);
    if (params) {
      page = { def, params };
      break;
    }
  }
  const nav = PAGES.filter((p) => p.nav && p.roles.includes(me.role));
  const selected = nav.filter((p) => path === p.path || path.startsWith(p.path + '/')).map((p) => p.path);
  const Page = page?.def.component;
  return (
    <SessionContext.Provider value={{ me, signOut, replace }}>
      <Layout style={{ minHeight: '100vh' }}>
        <Layout.Sider width={208} breakpoint="lg" collapsedWidth={0} theme="dark">
          <div className="fg-brand">{t('app.short')}</div>
          <Menu theme="dark" mode="inline" selectedKeys={selected} data-testid="nav"
            items={nav.map((p) => ({ key: p.path, icon: p.nav!.icon, label: <a href={p.path} onClick={(e) => { e.preventDefault(); navigate(p.path); }}>{t(p.nav!.key)}</a> }))} />
        </Layout.Sider>
        <Layout>
          <Layout.Header className="fg-header">
            <Typography.Text strong className="fg-title" ellipsis>{t('app.title')}</Typography.Text>
            <Space className="fg-header-tools">
              <a data-testid="whoami" title={me.id} href="/account" onClick={(e) => { e.preventDefault(); navigate('/account'); }}>{displayName}</a>
              <Tag color="blue">{t(`roles.${me.role}`)}</Tag>
              {me.institutionId ? <Tag title={me.institutionId} data-testid="my-institution">{names.institution(me.institutionId)}</Tag> : null}
              {me.role !== 'insured' && me.role !== 'integration' ? <TaskBadge /> : null}
              <LangSwitch />
              <Button size="small" onClick={signOut} data-testid="logout">{t('app.logout')}</Button>
            </Space>
          </Layout.Header>
          <Layout.Content className="fg-content">
            {!page || !Page ? <Result status="404" title={t('app.notFound')} />
              : !page.def.roles.includes(me.role) ? <Result status="403" title={t('app.forbidden')} data-testid="forbidden" />
              : <Suspense fallback={<Spin style={{ display: 'block', marginTop: 80 }} />}><Page key={path} params={page.params} /></Suspense>}
          </Layout.Content>
        </Layout>
      </Layout>
    </SessionContext.Provider>
  );
}

export function Root() {
  const { i18n } = useTranslation();
  const [me, setMe] = useState<Me | null | undefined>(getToken() ? undefined : null);
  useEffect(() => {
    if (me === undefined) api.get<Me>('/api/v1/me').then(setMe, () => (setToken(null), setMe(null)));
    const onUnauthorized = () => {
      setToken(null);
      setMe(null);
    };
    window.addEventListener('fg:unauthorized', onUnauthorized);
    return () => window.removeEventListener('fg:unauthorized', onUnauthorized);
  }, [me]);
  const signOut = () => {
    resetDictionary();
    void endSession().then(() => {
      setMe(null);
      navigate('/login');
    });
  };
  return (
    <ConfigProvider locale={i18n.language === 'en' ? enUS : zh} theme={{ token: { colorPrimary: '#1a5fb4', borderRadius: 4 } }}>
      <AntApp>
        <StartupBanner />
        {me === undefined ? <Spin size="large" style={{ display: 'block', marginTop: 120 }} />
          : me === null ? <LoginPage onSignedIn={(m) => setMe(m)} />
          : me.mustChangePassword ? <LoginPage mustChange onSignedIn={(m) => setMe(m)} />
          : <Shell me={me} signOut={signOut} replace={(m) => setMe(m)} />}
      </AntApp>
    </ConfigProvider>
  );
}
