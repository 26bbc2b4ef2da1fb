import { Suspense, useEffect, useState, type ReactNode } from 'react';
import { App as AntApp, Button, ConfigProvider, Layout, Menu, Result, Space, Spin, Tag, Typography } from 'antd';
import zh from 'antd/locale/zh_CN';
import enUS from 'antd/locale/en_US';
import { useTranslation } from 'react-i18next';
import { api, getToken, setToken, type Me } from './api.ts';
import { endSession, SessionContext } from './session.tsx';
import { navigate, matchPath, useLocation } from './router.ts';
import { setLang, type Lang } from './i18n/index.ts';
import { NAV_GROUPS, PAGES, home, type NavGroup } from './pages/registry.tsx';
import { PersonalWatermark } from './components/PersonalWatermark.tsx';
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
  const allowed = !!page && page.def.roles.includes(me.role);
  // A page in a group (系统管理) sits in its submenu, which is where the group's first page would be.
  const link = (p: (typeof nav)[number]) => ({ key: p.path, icon: p.nav!.icon, label: <a href={p.path} onClick={(e) => { e.preventDefault(); navigate(p.path); }}>{t(p.nav!.key)}</a> });
  const items: { key: string; icon: ReactNode; label: ReactNode; children?: ReturnType<typeof link>[] }[] = [];
  for (const p of nav) {
    const group = p.nav!.group;
    if (!group) items.push(link(p));
    else if (!items.some((i) => i.key === `group:${group}`)) {
      items.push({ key: `group:${group}`, icon: NAV_GROUPS[group].icon, label: <span data-testid={`nav-group-${group}`}>{t(NAV_GROUPS[group].key)}</span>, children: nav.filter((x) => x.nav!.group === group).map(link) });
    }
  }
  const openGroup = nav.find((p) => p.nav!.group && selected.includes(p.path))?.nav!.group as NavGroup | undefined;
  // Print views are pages of their own (no menu, no header) so that the browser prints only the document.
  if (page && Page && allowed && page.def.bare) {
    return (
      <SessionContext.Provider value={{ me, signOut, replace }}>
        <Suspense fallback={<Spin style={{ display: 'block', marginTop: 80 }} />}><Page key={path} params={page.params} /></Suspense>
      </SessionContext.Provider>
    );
  }
  const content = page && Page ? <Suspense fallback={<Spin style={{ display: 'block', marginTop: 80 }} />}><Page key={path} params={page.params} /></Suspense> : null;
  return (
    <SessionContext.Provider value={{ me, signOut, replace }}>
      <Layout style={{ minHeight: '100vh' }}>
        <Layout.Sider width={208} breakpoint="lg" collapsedWidth={0} theme="dark">
          <div className="fg-brand">{t('app.short')}</div>
          <Menu theme="dark" mode="inline" selectedKeys={selected} data-testid="nav" defaultOpenKeys={openGroup ? [`group:${openGroup}`] : []} items={items} />
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
              : !allowed ? <Result status="403" title={t('app.forbidden')} data-testid="forbidden" />
              : page.def.personal ? <PersonalWatermark name={displayName} userId={me.id}>{content}</PersonalWatermark>
              : content}
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
