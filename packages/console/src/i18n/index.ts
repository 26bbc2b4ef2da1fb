import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
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
// Date pickers follow the console's language, not the browser's (月份、星期 in Chinese, weeks from Monday).
dayjs.locale(currentLang() === 'en' ? 'en' : 'zh-cn');

export function setLang(lang: Lang): void {
  localStorage.setItem(LANG_KEY, lang);
  document.documentElement.lang = lang;
  dayjs.locale(lang === 'en' ? 'en' : 'zh-cn');
  void i18n.changeLanguage(lang);
}

export default i18n;
