import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { pages, standalonePages } from '../pages';
import { common } from './common';

export const LANGUAGES = ['zh-CN', 'en-US'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'zh-CN';

/** One namespace per page (its folder name) plus `common`: pages written in parallel never share a key. */
export function resources() {
  const all: Record<Language, Record<string, Record<string, unknown>>> = { 'zh-CN': {}, 'en-US': {} };
  for (const language of LANGUAGES) {
    all[language].common = common[language];
    for (const page of [...pages, ...standalonePages]) all[language][page.name] = page.locales[language];
  }
  return all;
}

void i18n.use(initReactI18next).init({
  resources: resources(),
  lng: DEFAULT_LANGUAGE,
  fallbackLng: DEFAULT_LANGUAGE,
  ns: ['common'],
  defaultNS: 'common',
  interpolation: { escapeValue: false },
  returnNull: false,
});

export { i18n };
