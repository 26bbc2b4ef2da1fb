import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { zhCN } from './zh-CN.ts';
import { en } from './en.ts';

export const LANG_KEY = 'fg.lang';
export type Lang = 'zh-CN' | 'en';

export const currentLang = (): Lang => (localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh-CN');

void i18n.use(initReactI18next).init({
  resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } },
  lng: currentLang(),
  fallbackLng: 'zh-CN',
  interpolation: { escapeValue: false },
  returnObjects: true,
});

document.documentElement.lang = currentLang();

export function setLang(lang: Lang): void {
  localStorage.setItem(LANG_KEY, lang);
  document.documentElement.lang = lang;
  void i18n.changeLanguage(lang);
}

export default i18n;
