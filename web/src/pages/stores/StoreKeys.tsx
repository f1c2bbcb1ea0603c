import { useMutation } from '@tanstack/react-query';
import { Alert, App as AntApp, Button, Form, Input, InputNumber, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { showServerError } from '../../components/server-errors';
import { useFormat } from '../../i18n/preferences';

interface Rotated {
  id: string;
  open_id: string;
  open_key: string;
  previous_key_expires_at: string | null;
}

// The server's own limits (core/apps/store-credentials.ts).
const DEFAULT_OVERLAP_MINUTES = 1440;
const MAX_OVERLAP_MINUTES = 10080;

/**
 * A store's `store`-dialect secrets: the supervisor password and the open_key. The caller
 * shows this only to roles with `credentials.rotate`; the new key is shown once, here.
 */
export function StoreKeys({ storeId }: { storeId: string }) {
  const { t } = useTranslation('stores');
  const f = useFormat();
  const { message, modal } = AntApp.useApp();
  const [passwordForm] = Form.useForm();
  const [rotateForm] = Form.useForm();
  const [rotated, setRotated] = useState<Rotated>();
  const password = useMutation({
    mutationFn: (values: { password: string }) =>
      api(`/stores/${storeId}/shop_password`, { method: 'POST', body: { password: values.password } }),
    onSuccess: () => {
      passwordForm.resetFields();
      message.success(t('passwordChanged'));
    },
    onError: (error) => {
      if (!showServerError(passwordForm, error, ['password'])) message.error(error.message);
    },
  });
  const rotate = useMutation({
    mutationFn: (values: { overlap_minutes: number }) =>
      api<Rotated>(`/stores/${storeId}/open_key/rotate`, {
        method: 'POST',
        body: { overlap_minutes: values.overlap_minutes },
      }),
    onSuccess: setRotated,
    onError: (error) => {
      if (!showServerError(rotateForm, error, ['overlap_minutes'])) message.error(error.message);
    },
  });
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Typography.Title level={5}>{t('keys')}</Typography.Title>
      <Form form={passwordForm} layout="inline" onFinish={(v) => password.mutate(v)}>
        <Form.Item
          name="password"
          label={t('supervisorPassword')}
          rules={[
            { required: true, message: t('passwordRule') },
            { min: 4, max: 64, message: t('passwordRule') },
          ]}
        >
          <Input.Password
            data-testid="shop-password"
            placeholder={t('newPassword')}
            autoComplete="new-password"
          />
        </Form.Item>
        <Button htmlType="submit" data-testid="change-password" loading={password.isPending}>
          {t('changePassword')}
        </Button>
      </Form>
      <Form
        form={rotateForm}
        layout="inline"
        initialValues={{ overlap_minutes: DEFAULT_OVERLAP_MINUTES }}
        onFinish={(v) =>
          modal.confirm({
            title: t('rotateConfirm', { minutes: v.overlap_minutes }),
            okButtonProps: { danger: true },
            onOk: () => rotate.mutateAsync(v).catch(() => undefined),
          })
        }
      >
        <Form.Item
          name="overlap_minutes"
          label={t('overlapMinutes')}
          tooltip={t('overlapHelp')}
          rules={[
            {
              required: true,
              type: 'integer',
              min: 0,
              max: MAX_OVERLAP_MINUTES,
              message: t('overlapRule', { max: MAX_OVERLAP_MINUTES }),
            },
          ]}
        >
          <InputNumber data-testid="overlap-minutes" min={0} max={MAX_OVERLAP_MINUTES} precision={0} />
        </Form.Item>
        <Button danger htmlType="submit" data-testid="rotate-open-key" loading={rotate.isPending}>
          {t('rotateOpenKey')}
        </Button>
      </Form>
      {rotated && (
        <Alert
          type="warning"
          showIcon
          closable
          onClose={() => setRotated(undefined)}
          title={t('rotated')}
          description={
            <Space orientation="vertical">
              <Typography.Text code copyable data-testid="new-open-key">
                {rotated.open_key}
              </Typography.Text>
              <Typography.Text type="secondary">
                {rotated.previous_key_expires_at
                  ? t('previousUntil', { at: f.dateTime(rotated.previous_key_expires_at) })
                  : t('previousRevoked')}
              </Typography.Text>
            </Space>
          }
        />
      )}
    </Space>
  );
}
