import { useMutation } from '@tanstack/react-query';
import { Alert, Button, Checkbox, Form, Input, Segmented, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { AppSelect } from '../../components/AppSelect';
import { showServerError } from '../../components/server-errors';
import { useFormat } from '../../i18n/preferences';

interface CheckoutLink {
  id: string;
  kind: 'session' | 'link';
  url: string;
  currency: string;
  amount: number | null;
  min_amount: number | null;
  max_amount: number | null;
  description: string;
  signing_secret?: string;
}

const METHODS = ['wechatpay', 'alipay', 'unionpay', 'paypal'] as const;
// The server's format (admin route schema): a decimal string with at most two places.
const DECIMAL = /^\d{1,15}(\.\d{1,2})?$/;
const FIELDS = ['kind', 'currency', 'amount', 'min_amount', 'max_amount', 'description', 'methods'];

/**
 * Creates a hosted checkout session (paid once) or a reusable payment link; the link's URL
 * and signing secret are shown once. The admin API has no list of links, so neither has this page.
 */
export default function CheckoutLinksPage() {
  const { t } = useTranslation('checkout-links');
  const f = useFormat();
  const [form] = Form.useForm();
  const [appId, setAppId] = useState<string>();
  const [mode, setMode] = useState<'test' | 'live'>('test');
  const [topError, setTopError] = useState<string>();
  const fixed = (Form.useWatch('amountKind', form) ?? 'fixed') === 'fixed';
  const create = useMutation({
    mutationFn: (v: Record<string, any>) =>
      api<CheckoutLink>('/checkout_links', {
        method: 'POST',
        body: {
          app: appId,
          mode,
          kind: v.kind,
          currency: v.currency,
          description: v.description.trim(),
          methods: v.methods,
          ...(v.amountKind === 'fixed'
            ? { amount: v.amount }
            : { min_amount: v.min_amount, max_amount: v.max_amount }),
        },
      }),
    onSuccess: () => setTopError(undefined),
    onError: (error) => {
      if (!showServerError(form, error, FIELDS)) setTopError(error.message);
    },
  });
  const decimal = (required: boolean) => [
    { required, message: t('required') },
    { pattern: DECIMAL, message: t('decimalRule') },
  ];
  const link = create.data;
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%', maxWidth: 720 }}>
      <Typography.Title level={3}>{t('title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('intro')}</Typography.Paragraph>
      <Space wrap>
        <AppSelect value={appId} onChange={setAppId} />
        <Segmented
          value={mode}
          onChange={(v) => setMode(v as 'test' | 'live')}
          options={['test', 'live'].map((m) => ({ value: m, label: t(`common:mode.${m}`) }))}
        />
      </Space>
      {topError && <Alert type="error" showIcon title={topError} />}
      <Form
        form={form}
        layout="vertical"
        initialValues={{
          kind: 'link',
          currency: 'CNY',
          amountKind: 'fixed',
          methods: ['wechatpay', 'alipay'],
        }}
        onFinish={(v) => create.mutate(v)}
      >
        <Form.Item name="kind" label={t('kind')}>
          <Segmented options={['link', 'session'].map((k) => ({ value: k, label: t(`kinds.${k}`) }))} />
        </Form.Item>
        <Form.Item
          name="description"
          label={t('description')}
          rules={[{ required: true, whitespace: true, max: 256, message: t('descriptionRule') }]}
        >
          <Input data-testid="link-description" maxLength={256} />
        </Form.Item>
        <Space wrap>
          <Form.Item name="currency" label={t('currency')}>
            <Select style={{ width: 100 }} options={['CNY', 'USD'].map((c) => ({ value: c, label: c }))} />
          </Form.Item>
          <Form.Item name="amountKind" label={t('amountKind')}>
            <Segmented
              options={[
                { value: 'fixed', label: t('fixed') },
                { value: 'range', label: t('payerEntered') },
              ]}
            />
          </Form.Item>
          {fixed ? (
            <Form.Item name="amount" label={t('amount')} rules={decimal(true)}>
              <Input data-testid="link-amount" placeholder="12.50" style={{ width: 140 }} />
            </Form.Item>
          ) : (
            <>
              <Form.Item name="min_amount" label={t('minAmount')} rules={decimal(true)}>
                <Input placeholder="1.00" style={{ width: 140 }} />
              </Form.Item>
              <Form.Item name="max_amount" label={t('maxAmount')} rules={decimal(true)}>
                <Input placeholder="500.00" style={{ width: 140 }} />
              </Form.Item>
            </>
          )}
        </Space>
        <Form.Item
          name="methods"
          label={t('methods')}
          rules={[{ required: true, type: 'array', min: 1, message: t('methodsRule') }]}
        >
          <Checkbox.Group options={METHODS.map((m) => ({ value: m, label: t(`methodNames.${m}`) }))} />
        </Form.Item>
        <Button
          type="primary"
          htmlType="submit"
          data-testid="create-link"
          disabled={!appId}
          loading={create.isPending}
        >
          {t('create')}
        </Button>
      </Form>
      {link && (
        <Alert
          type="success"
          showIcon
          title={t('created', {
            amount: link.amount !== null ? f.money(link.amount, link.currency) : t('payerEntered'),
          })}
          description={
            <Space orientation="vertical">
              <Typography.Link data-testid="link-url" href={link.url} target="_blank" copyable>
                {link.url}
              </Typography.Link>
              {link.signing_secret && (
                <Typography.Text>
                  {t('signingSecret')}{' '}
                  <Typography.Text code copyable>
                    {link.signing_secret}
                  </Typography.Text>
                </Typography.Text>
              )}
            </Space>
          }
        />
      )}
    </Space>
  );
}
