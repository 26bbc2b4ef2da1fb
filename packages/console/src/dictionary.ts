import { useEffect, useState } from 'react';
import i18n from './i18n/index.ts';
import { api } from './api.ts';

/** GET /api/v1/dictionary: code → name (see packages/service/src/dictionary.ts). */
export interface DictionaryData {
  institutions?: Record<string, string>;
  departments?: Record<string, string>;
  doctors?: Record<string, string>;
  regions?: Record<string, string>;
  diagnoses?: Record<string, string>;
  codes?: Record<string, Record<string, [string, string]>>;
}

let loaded: DictionaryData | null = null;
let pending: Promise<DictionaryData> | null = null;
const listeners = new Set<(d: DictionaryData) => void>();

function load(): Promise<DictionaryData> {
  if (!pending) {
    pending = api.get<DictionaryData>('/api/v1/dictionary').then(
      (d) => {
        loaded = d;
        for (const l of listeners) l(d);
        return d;
      },
      (e: unknown) => {
        pending = null; // try again on the next page
        throw e;
      },
    );
  }
  return pending;
}

/** Forget the names (signing out, or after an import added institutions). */
export function resetDictionary(): void {
  loaded = null;
  pending = null;
}

export interface Names {
  ready: boolean;
  /** 西安市第16人民医院 (the code when the name is unknown) */
  institution: (id: string | null | undefined) => string;
  /** 消化内科 */
  department: (code: string | null | undefined) => string;
  doctor: (code: string | null | undefined) => string;
  /** 西安市; '*' → 全部统筹区 */
  region: (code: string | null | undefined) => string;
  /** "C16.900 胃恶性肿瘤" (code and name) */
  diagnosis: (code: string | null | undefined, name?: string | null) => string;
  /** a national code table: code('insutype', '310') → 职工基本医疗保险 */
  code: (table: string, value: string | null | undefined) => string;
  /** every known code → name of a kind (pickers) */
  all: (kind: 'institutions' | 'departments' | 'doctors' | 'regions' | 'diagnoses') => Record<string, string>;
}

export function namesOf(d: DictionaryData | null, lang: string = i18n.language): Names {
  const pick = (m: Record<string, string> | undefined, k: string | null | undefined) => (k ? m?.[k] ?? k : '—');
  return {
    ready: !!d,
    institution: (id) => pick(d?.institutions, id),
    department: (code) => pick(d?.departments, code),
    doctor: (code) => pick(d?.doctors, code),
    region: (code) => (code === '*' ? (lang === 'en' ? 'all regions' : '全部统筹区') : pick(d?.regions, code)),
    diagnosis: (code, name) => {
      if (!code) return name || '—';
      const n = name || d?.diagnoses?.[code];
      return n ? `${n}（${code}）` : code;
    },
    all: (kind) => d?.[kind] ?? {},
    code: (table, value) => {
      if (value === null || value === undefined || value === '') return '—';
      const e = d?.codes?.[table]?.[value];
      return e ? e[lang === 'en' ? 1 : 0] : value;
    },
  };
}

/** Names for codes on every page; loads the dictionary once per session and re-renders when it arrives. */
export function useNames(): Names {
  const [d, setD] = useState<DictionaryData | null>(loaded);
  const [, setLang] = useState(i18n.language);
  useEffect(() => {
    if (!loaded) load().then(setD, () => undefined);
    listeners.add(setD);
    const onLang = (l: string) => setLang(l);
    i18n.on('languageChanged', onLang);
    return () => {
      listeners.delete(setD);
      i18n.off('languageChanged', onLang);
    };
  }, []);
  return namesOf(d ?? loaded);
}
