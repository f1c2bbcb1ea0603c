import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { formatDate, formatDateTime, DEFAULT_TIME_ZONE } from './dates';
import { i18n, type Language, DEFAULT_LANGUAGE, LANGUAGES } from './setup';
import { formatMoney } from './money';

interface Preferences {
  language: Language;
  timeZone: string;
  setLanguage(language: Language): void;
  setTimeZone(tz: string): void;
}

const PreferencesContext = createContext<Preferences | undefined>(undefined);

function stored<T extends string>(key: string, allowed: (v: string) => v is T, fallback: T): T {
  try {
    const value = localStorage.getItem(key);
    return value && allowed(value) ? value : fallback;
  } catch {
    return fallback;
  }
}

function remember(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // private mode: the choice lasts for this page only
  }
}

const isLanguage = (v: string): v is Language => (LANGUAGES as readonly string[]).includes(v);
const isZone = (v: string): v is string => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: v });
    return true;
  } catch {
    return false;
  }
};

/** Language (zh-CN by default) and time zone (Asia/Shanghai by default), remembered in the browser. */
export function PreferencesProvider({ children }: { children: ReactNode }) {
  const [language, setLang] = useState<Language>(() => {
    // Before the first render, so no component ever draws in the other language first.
    const initial = stored('juhe.language', isLanguage, DEFAULT_LANGUAGE);
    void i18n.changeLanguage(initial);
    document.documentElement.lang = initial;
    return initial;
  });
  const [timeZone, setZone] = useState<string>(() => stored('juhe.timeZone', isZone, DEFAULT_TIME_ZONE));
  const setLanguage = useCallback((l: Language) => {
    remember('juhe.language', l);
    void i18n.changeLanguage(l);
    document.documentElement.lang = l;
    setLang(l);
  }, []);
  const setTimeZone = useCallback((tz: string) => {
    remember('juhe.timeZone', tz);
    setZone(tz);
  }, []);
  const value = useMemo(
    () => ({ language, timeZone, setLanguage, setTimeZone }),
    [language, timeZone, setLanguage, setTimeZone],
  );
  return <PreferencesContext.Provider value={value}>{children}</PreferencesContext.Provider>;
}

export function usePreferences(): Preferences {
  const value = useContext(PreferencesContext);
  if (!value) throw new Error('usePreferences outside PreferencesProvider');
  return value;
}

/** Money and dates in the user's language and zone: `const f = useFormat(); f.money(1234, 'CNY')`. */
export function useFormat() {
  const { language, timeZone } = usePreferences();
  return useMemo(
    () => ({
      money: (amount: number | string | bigint, currency: string) => formatMoney(amount, currency, language),
      dateTime: (instant: string | Date | number | null | undefined) => formatDateTime(instant, timeZone),
      date: (instant: string | Date | number) => formatDate(instant, timeZone),
      timeZone,
      language,
    }),
    [language, timeZone],
  );
}
