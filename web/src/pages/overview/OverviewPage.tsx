import { Typography } from 'antd';
import { useTranslation } from 'react-i18next';

export default function OverviewPage() {
  const { t } = useTranslation('overview');
  return <Typography.Title level={3}>{t('title')}</Typography.Title>;
}
