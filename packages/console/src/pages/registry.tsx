import { lazy, type ComponentType, type ReactNode } from 'react';
import { BellOutlined, BarChartOutlined, AuditOutlined, FileSearchOutlined, BookOutlined, CloudUploadOutlined, UnorderedListOutlined, CalculatorOutlined, IdcardOutlined, RadarChartOutlined, ApiOutlined, SettingOutlined, TeamOutlined, SafetyOutlined, BankOutlined, KeyOutlined, FileProtectOutlined } from '@ant-design/icons';
import type { Role } from '../api.ts';
import './his-data/i18n.ts';
import '../i18n/system.ts';

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
const HisDataPage = lazy(() => import('./his-data/index.tsx').then((m) => ({ default: m.HisDataPage })));
const TasksPage = lazy(() => import('./tasks/index.tsx').then((m) => ({ default: m.TasksPage })));
const ScreeningPage = lazy(() => import('./screening/index.tsx').then((m) => ({ default: m.ScreeningPage })));
const UsersPage = lazy(() => import('./system/users.tsx').then((m) => ({ default: m.UsersPage })));
const RolesPage = lazy(() => import('./system/roles.tsx').then((m) => ({ default: m.RolesPage })));
const InstitutionsPage = lazy(() => import('./system/institutions.tsx').then((m) => ({ default: m.InstitutionsPage })));
const KeysPage = lazy(() => import('./system/keys.tsx').then((m) => ({ default: m.KeysPage })));
const AuditLogPage = lazy(() => import('./system/audit-log.tsx').then((m) => ({ default: m.AuditLogPage })));
const NoticePrintPage = lazy(() => import('./print/notice.tsx').then((m) => ({ default: m.NoticePrintPage })));

export interface PageDef {
  /** `/cases/:id`: params are passed to the component */
  path: string;
  component: ComponentType<{ params: Record<string, string> }>;
  /** who may open the page; the server checks again on every call */
  roles: readonly Role[];
  /** shown in the side navigation under this i18n key (inside the submenu `group`, e.g. 系统管理) */
  nav?: { key: string; icon: ReactNode; group?: NavGroup };
  /** shows personal data: the viewer's name and the time lie across it (watermark) */
  personal?: boolean;
  /** a page of its own, without the side menu and header (print views) */
  bare?: boolean;
}

export type NavGroup = 'system';
export const NAV_GROUPS: Record<NavGroup, { key: string; icon: ReactNode }> = { system: { key: 'nav.system', icon: <SettingOutlined /> } };

/** 系统管理 is for administrators; supervisors read the audit log (auditlog.read), nothing else there. */
const ADMIN: Role[] = ['admin'];

const READERS: Role[] = ['admin', 'auditor', 'supervisor', 'hospital'];

/** Every page of the console, each loaded when first opened (its own chunk). Add one here (see ../../README.md). */
export const PAGES: PageDef[] = [
  { path: '/me', component: MyPage, roles: ['insured'], nav: { key: 'nav.me', icon: <IdcardOutlined /> }, personal: true },
  { path: '/tasks', component: TasksPage, roles: ['admin', 'auditor', 'supervisor', 'hospital', 'rule_admin'], nav: { key: 'nav.tasks', icon: <BellOutlined /> } },
  { path: '/dashboard', component: DashboardPage, roles: ['admin', 'auditor', 'supervisor', 'rule_admin', 'hospital'], nav: { key: 'nav.dashboard', icon: <BarChartOutlined /> } },
  { path: '/cases', component: WorklistPage, roles: READERS, nav: { key: 'nav.cases', icon: <AuditOutlined /> } },
  { path: '/cases/:id', component: CaseDetailPage, roles: READERS, personal: true },
  { path: '/print/notice/:caseId', component: NoticePrintPage, roles: READERS, bare: true },
  { path: '/encounters', component: EncounterPage, roles: [...READERS, 'insured'], nav: { key: 'nav.encounters', icon: <FileSearchOutlined /> }, personal: true },
  { path: '/encounters/:id', component: EncounterPage, roles: [...READERS, 'insured'], personal: true },
  { path: '/screening', component: ScreeningPage, roles: ['admin', 'auditor', 'supervisor'], nav: { key: 'nav.screening', icon: <RadarChartOutlined /> } },
  { path: '/rules', component: RulesPage, roles: ['admin', 'rule_admin', 'auditor', 'supervisor'], nav: { key: 'nav.rules', icon: <BookOutlined /> } },
  { path: '/runs', component: RunsPage, roles: ['admin', 'auditor', 'supervisor', 'rule_admin'], nav: { key: 'nav.runs', icon: <CloudUploadOutlined /> } },
  { path: '/lists', component: ListsPage, roles: ['admin', 'rule_admin', 'auditor', 'supervisor'], nav: { key: 'nav.lists', icon: <UnorderedListOutlined /> } },
  { path: '/account', component: AccountPage, roles: ['admin', 'rule_admin', 'auditor', 'supervisor', 'hospital', 'insured'] },
  { path: '/his-data', component: HisDataPage, roles: ['admin', 'auditor', 'supervisor', 'hospital', 'rule_admin'], nav: { key: 'nav.hisData', icon: <ApiOutlined /> } },
  { path: '/settlement', component: SettlementPage, roles: ['admin', 'auditor', 'supervisor', 'hospital', 'rule_admin'], nav: { key: 'nav.settlement', icon: <CalculatorOutlined /> }, personal: true },
  { path: '/system/users', component: UsersPage, roles: ADMIN, nav: { key: 'nav.users', icon: <TeamOutlined />, group: 'system' } },
  { path: '/system/roles', component: RolesPage, roles: ADMIN, nav: { key: 'nav.roles', icon: <SafetyOutlined />, group: 'system' } },
  { path: '/system/institutions', component: InstitutionsPage, roles: ADMIN, nav: { key: 'nav.institutions', icon: <BankOutlined />, group: 'system' } },
  { path: '/system/keys', component: KeysPage, roles: ADMIN, nav: { key: 'nav.keys', icon: <KeyOutlined />, group: 'system' } },
  { path: '/system/audit-log', component: AuditLogPage, roles: ['admin', 'supervisor'], nav: { key: 'nav.auditLog', icon: <FileProtectOutlined />, group: 'system' } },
];

/** Where a role lands after signing in. */
export const home = (role: Role): string => PAGES.find((p) => p.nav && !p.nav.group && p.path !== '/tasks' && p.roles.includes(role))?.path ?? '/encounters';
