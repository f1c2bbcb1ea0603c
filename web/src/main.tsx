import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { NetworkError } from './api/client';
import { App } from './App';
import { dayjs } from './i18n/dates';
import { PreferencesProvider, usePreferences } from './i18n/preferences';
import './i18n/setup';
import './styles.css';

/**
 * The gateway serves index.html with a fresh nonce in <meta name="csp-nonce"> and allows only
 * styles carrying it: antd's CSS-in-JS adds its <style> elements with this nonce.
 */
const nonce = document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content;
const csp = nonce && nonce !== '__CSP_NONCE__' ? { nonce } : undefined;

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A lost connection is retried twice; a refusal from the server is not retried.
      retry: (count, error) => error instanceof NetworkError && count < 2,
      refetchOnWindowFocus: false,
    },
  },
});

function Themed() {
  const { language } = usePreferences();
  dayjs.locale(language === 'zh-CN' ? 'zh-cn' : 'en');
  return (
    <ConfigProvider
      csp={csp}
      locale={language === 'zh-CN' ? zhCN : enUS}
      theme={{ token: { colorPrimary: '#1668dc', borderRadius: 6 } }}
    >
      <AntApp>
        <App />
      </AntApp>
    </ConfigProvider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <PreferencesProvider>
        <Themed />
      </PreferencesProvider>
    </QueryClientProvider>
  </StrictMode>,
);
