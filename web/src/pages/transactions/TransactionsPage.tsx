import { Typography } from 'antd';
import { useTranslation } from 'react-i18next';

export default function TransactionsPage() {
  const { t } = useTranslation('transactions');
  return <Typography.Title level={3}>{t('title')}</Typography.Title>;
}
