import { lazy, type ComponentType, type ReactNode } from 'react';
import { BarChartOutlined, AuditOutlined, FileSearchOutlined, BookOutlined, CloudUploadOutlined, UnorderedListOutlined, CalculatorOutlined, IdcardOutlined, RadarChartOutlined } from '@ant-design/icons';
import type { Role } from '../api.ts';

const DashboardPage = lazy(() => import('./dashboard/index.tsx').then((m) => ({ default: m.DashboardPage })));
const WorklistPage = lazy(() => import('./cases/index.tsx').then((m) => ({ default: m.WorklistPage })));
const CaseDetailPage = lazy(() => import('./cases/detail.tsx').then((m) => ({ default: m.CaseDetailPage })));
const EncounterPage = lazy(() => import('./encounters/index.tsx').then((m) => ({ default: m.EncounterPage })));
const RulesPage = lazy(() => import('./rules/index.tsx').then((m) => ({ default: m.RulesPage })));
const RunsPage = lazy(() => import('./runs/index.tsx').then((m) => ({ default: m.RunsPage })));
const ListsPage = lazy(() => import('./lists/index.tsx').then((m) => ({ default: m.ListsPage })));
const SettlementPage = lazy(() => import('./settlement/index.tsx').then((m) => ({ default: m.SettlementPage })));
const MyPage = lazy(() => import('./me/index.tsx').then((m) => ({ default: m.MyPage })));
const AccountPage = lazy(() => import('./me/account.tsx').then((m) => ({ default: m.AccountPage })));
const ScreeningPage = lazy(() => import('./screening/index.tsx').then((m) => ({ default: m.ScreeningPage })));

export interface PageDef {
  /** `/cases/:id`: params are passed to the component */
  path: string;
  component: ComponentType<{ params: Record<string, string> }>;
  /** who may open the page; the server checks again on every call */
  roles: readonly Role[];
  /** shown in the side navigation under this i18n key */
  nav?: { key: string; icon: ReactNode };
}

const READERS: Role[] = ['admin', 'auditor', 'supervisor', 'hospital'];

/** Every page of the console, each loaded when first opened (its own chunk). Add one here (see ../../README.md). */
export const PAGES: PageDef[] = [
  { path: '/me', component: MyPage, roles: ['insured'], nav: { key: 'nav.me', icon: <IdcardOutlined /> } },
  { path: '/dashboard', component: DashboardPage, roles: ['admin', 'auditor', 'supervisor', 'rule_admin', 'hospital'], nav: { key: 'nav.dashboard', icon: <BarChartOutlined /> } },
  { path: '/cases', component: WorklistPage, roles: READERS, nav: { key: 'nav.cases', icon: <AuditOutlined /> } },
  { path: '/cases/:id', component: CaseDetailPage, roles: READERS },
  { path: '/encounters', component: EncounterPage, roles: [...READERS, 'insured'], nav: { key: 'nav.encounters', icon: <FileSearchOutlined /> } },
  { path: '/encounters/:id', component: EncounterPage, roles: [...READERS, 'insured'] },
  { path: '/screening', component: ScreeningPage, roles: ['admin', 'auditor', 'supervisor'], nav: { key: 'nav.screening', icon: <RadarChartOutlined /> } },
  { path: '/rules', component: RulesPage, roles: ['admin', 'rule_admin', 'auditor', 'supervisor'], nav: { key: 'nav.rules', icon: <BookOutlined /> } },
  { path: '/runs', component: RunsPage, roles: ['admin', 'auditor', 'supervisor', 'rule_admin'], nav: { key: 'nav.runs', icon: <CloudUploadOutlined /> } },
  { path: '/lists', component: ListsPage, roles: ['admin', 'rule_admin', 'auditor', 'supervisor'], nav: { key: 'nav.lists', icon: <UnorderedListOutlined /> } },
  { path: '/account', component: AccountPage, roles: ['admin', 'rule_admin', 'auditor', 'supervisor', 'hospital', 'insured'] },
  { path: '/settlement', component: SettlementPage, roles: ['admin', 'auditor', 'supervisor', 'hospital', 'rule_admin'], nav: { key: 'nav.settlement', icon: <CalculatorOutlined /> } },
];

/** Where a role lands after signing in. */
export const home = (role: Role): string => PAGES.find((p) => p.nav && p.roles.includes(role))?.path ?? '/encounters';
