import { Alert, Button } from 'antd';
import { useTranslation } from 'react-i18next';
import { ApiError, NetworkError } from '../api/client';

/** A failed load said plainly (lost connection, refused, server error) with a retry button. */
export function QueryError({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation('common');
  const message =
    error instanceof NetworkError
      ? t('networkError')
      : error instanceof ApiError && error.status === 403
        ? t('forbidden')
        : t('unknownError', { message: error instanceof Error ? error.message : String(error) });
  return (
    <Alert
      type="error"
      showIcon
      title={message}
      style={{ margin: 16 }}
      action={
        onRetry ? (
          <Button size="small" onClick={onRetry}>
            {t('retry')}
          </Button>
        ) : undefined
      }
    />
  );
}
