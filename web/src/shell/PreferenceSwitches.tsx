import { ClockCircleOutlined, GlobalOutlined } from '@ant-design/icons';
import { Select, Space } from 'antd';
import { useTranslation } from 'react-i18next';
import { TIME_ZONES } from '../i18n/dates';
import { usePreferences } from '../i18n/preferences';
import type { Language } from '../i18n/setup';

const LANGUAGE_NAMES: Record<Language, string> = { 'zh-CN': '简体中文', 'en-US': 'English' };

/** The header's language and time-zone selects (also on the login page). */
export function PreferenceSwitches() {
  const { t } = useTranslation('common');
  const { language, timeZone, setLanguage, setTimeZone } = usePreferences();
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zones = TIME_ZONES.includes(browserZone) ? TIME_ZONES : [...TIME_ZONES, browserZone];
  return (
    <Space>
      <Select
        aria-label={t('language')}
        data-testid="language-select"
        value={language}
        onChange={setLanguage}
        suffixIcon={<GlobalOutlined />}
        style={{ width: 130 }}
        options={Object.entries(LANGUAGE_NAMES).map(([value, label]) => ({ value, label }))}
      />
      <Select
        aria-label={t('timeZone')}
        data-testid="timezone-select"
        value={timeZone}
        onChange={setTimeZone}
        suffixIcon={<ClockCircleOutlined />}
        style={{ width: 190 }}
        showSearch
        options={zones.map((z) => ({ value: z, label: z }))}
      />
    </Space>
  );
}
