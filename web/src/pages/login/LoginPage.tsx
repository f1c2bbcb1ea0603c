import { LockOutlined, MailOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError, NetworkError } from '../../api/client';
import { login, ME_KEY } from '../../auth/session';
import { PreferenceSwitches } from '../../shell/PreferenceSwitches';

export default function LoginPage() {
  const { t } = useTranslation('login');
  const common = useTranslation('common').t;
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [params] = useSearchParams();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(values: { email: string; password: string }) {
    setBusy(true);
    setError(undefined);
    try {
      await login(values.email.trim(), values.password);
      await queryClient.resetQueries({ queryKey: ME_KEY });
      const next = params.get('next');
      // Only a path inside the console: never an open redirect to another site.
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true });
    } catch (e) {
      if (e instanceof NetworkError) setError(common('networkError'));
      else if (e instanceof ApiError && e.status === 429) setError(t('tooMany', { seconds: '60' }));
      else if (e instanceof ApiError && (e.status === 401 || e.status === 400)) setError(t('failed'));
      else setError(common('unknownError', { message: (e as Error).message }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="juhe-login">
      <div style={{ position: 'absolute', top: 16, right: 24 }}>
        <PreferenceSwitches />
      </div>
      <Card style={{ width: 400, boxShadow: '0 8px 24px rgba(0,0,0,0.08)' }}>
        <Typography.Title level={3} style={{ marginBottom: 4 }}>
          {t('title')}
        </Typography.Title>
        <Typography.Paragraph type="secondary">{t('subtitle')}</Typography.Paragraph>
        {params.get('expired') && (
          <Alert type="warning" showIcon title={common('sessionExpired')} style={{ marginBottom: 16 }} />
        )}
        {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} role="alert" />}
        <Form layout="vertical" onFinish={submit} requiredMark={false}>
          <Form.Item
            name="email"
            label={t('email')}
            rules={[{ required: true, message: t('emailRequired') }]}
          >
            <Input prefix={<MailOutlined />} autoComplete="username" size="large" />
          </Form.Item>
          <Form.Item
            name="password"
            label={t('password')}
            rules={[{ required: true, message: t('passwordRequired') }]}
          >
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" size="large" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block size="large" loading={busy}>
            {t('submit')}
          </Button>
        </Form>
      </Card>
    </div>
  );
}
