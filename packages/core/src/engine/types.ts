/** The rule-pack contract (rule-pack.md) as types. Packs are data; these types describe a validated pack. */
export const KINDS = [
  'gender', 'age', 'indication', 'institution_level', 'setting', 'quantity', 'frequency', 'prescription', 'exclusive', 'bundled', 'stacking',
  'prerequisite', 'duplicate', 'catalogue', 'blacklist',
] as const;
export type Kind = (typeof KINDS)[number];

export const CATEGORIES = [
  'GENDER', 'AGE', 'INDICATION', 'INSTITUTION_LEVEL', 'SETTING', 'QUANTITY', 'FREQUENCY', 'LENGTH_OF_STAY', 'PRESCRIPTION', 'EXCLUSIVE', 'UNBUNDLING',
  'STACKING', 'PREREQUISITE', 'DUPLICATE', 'CATALOGUE', 'ELIGIBILITY', 'READMISSION', 'ADMISSION_FREQUENCY', 'CO_ADMISSION', 'SIMILAR_COST', 'GHOST_BED', 'PEER_OUTLIER',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const SEVERITIES = ['violation', 'suspicious', 'reminder'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const STAGES = ['pre', 'mid', 'post'] as const;
export type Stage = (typeof STAGES)[number];
export const SCENARIOS = ['outpatient', 'inpatient', 'pharmacy'] as const;

/** Condition tree (rule-pack.md §5). */
export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { diagnosis: string[] }
  | { main_diagnosis: string[] }
  | { operation: string[] }
  | { lab: { code: string; op: '<' | '<=' | '>' | '>=' | '='; value: number } }
  | { flag: string }
  | { age: { min?: number | null; max?: number | null } }
  | { gender: string }
  | { item: string[] }
  | { institution_level: { min: number } }
  | { med_type: string[] }
  | { insutype: string[] }
  | { scenario: string[] }
  | { dept: string[] }
  | { doctor_title: { min: number } }
  | { maternity: string[] };

/** Windows (rule-pack.md §6). */
export type Window = 'line' | 'day' | 'visit' | 'month' | 'quarter' | 'year' | 'insurance_year' | { rolling_days: number };

export interface Rule {
  id: string;
  name: string;
  kind: Kind;
  category: Category;
  severity: Severity;
  stages?: Stage[];
  scenarios?: ('outpatient' | 'inpatient' | 'pharmacy')[];
  insutypes?: string[];
  items?: string[];
  params?: Record<string, unknown>;
  when?: Condition;
  unless?: Condition;
  message?: string;
  basis?: string;
  appealable?: boolean;
  effective_from?: string | null;
  effective_to?: string | null;
}

export interface RulePack {
  pack: string;
  version: string;
  name: string;
  region: string;
  effective_from: string;
  effective_to?: string | null;
  groups?: Record<string, { name?: string; codes: string[] }>;
  rules: Rule[];
}
