import { useMutation } from '@tanstack/react-query';
import { Alert, App as AntApp, Button, Card, Input, InputNumber, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';

const COMMON = ['error_5xx', 'timeout', 'delay', 'duplicate', 'reorder', 'drop', 'forge'];
/** Each simulator's fault route (Alipay's sits under test_helpers) and the kinds it takes. */
const SIMULATORS: Record<string, { path: string; kinds: string[] }> = {
  alipay: { path: '/test_helpers/sandbox/alipay/faults', kinds: [...COMMON, 'business_error'] },
  wechatpay: { path: '/sandbox/wechatpay/faults', kinds: COMMON },
  unionpay: { path: '/sandbox/unionpay/faults', kinds: COMMON },
  paypal: { path: '/sandbox/paypal/faults', kinds: COMMON },
  lakala: { path: '/sandbox/lakala/faults', kinds: COMMON },
};

export default function SandboxPage() {
  const { t } = useTranslation('sandbox');
  const { message } = AntApp.useApp();
  const [ref, setRef] = useState('');
  const [provider, setProvider] = useState('alipay');
  const [kind, setKind] = useState('delay');
  const [count, setCount] = useState(1);
  const [ms, setMs] = useState(30_000);
  const payer = useMutation({
    mutationFn: (action: 'pay' | 'decline') =>
      api<{ id: string; status: string }>(
        `/test_helpers/charges/${encodeURIComponent(ref.trim())}/${action}`,
        { method: 'POST' },
      ),
    onSuccess: (charge, action) =>
      message.success(`${action === 'pay' ? t('paid') : t('declined')}: ${charge.id} → ${charge.status}`),
  });
  const faults = useMutation({
    mutationFn: (clear: boolean) =>
      clear
        ? api<{ faults: unknown[] }>(SIMULATORS[provider]!.path, { method: 'DELETE' })
        : api<{ faults: unknown[] }>(SIMULATORS[provider]!.path, {
            method: 'POST',
            body: { kind, count, ...(kind === 'delay' ? { ms } : {}) },
          }),
  });
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%', maxWidth: 900 }}>
      <Typography.Title level={3}>{t('title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('intro')}</Typography.Paragraph>
      <Card title={t('payer')}>
        <Space wrap>
          <Input
            data-testid="sandbox-charge"
            style={{ width: 360 }}
            placeholder={t('chargeRef')}
            value={ref}
            onChange={(e) => setRef(e.target.value)}
          />
          <Button
            type="primary"
            data-testid="sandbox-pay"
            disabled={!ref.trim()}
            loading={payer.isPending && payer.variables === 'pay'}
            onClick={() => payer.mutate('pay')}
          >
            {t('pay')}
          </Button>
          <Button
            danger
            disabled={!ref.trim()}
            loading={payer.isPending && payer.variables === 'decline'}
            onClick={() => payer.mutate('decline')}
          >
            {t('decline')}
          </Button>
        </Space>
        {payer.error && <Alert style={{ marginTop: 12 }} type="error" showIcon title={payer.error.message} />}
      </Card>
      <Card title={t('faults')}>
        <Space wrap>
          <Select
            style={{ width: 140 }}
            value={provider}
            onChange={setProvider}
            options={Object.keys(SIMULATORS).map((p) => ({ value: p, label: p }))}
          />
          <Select
            style={{ width: 260 }}
            value={kind}
            onChange={setKind}
            options={SIMULATORS[provider]!.kinds.map((k) => ({ value: k, label: t(`kinds.${k}`) }))}
          />
          <InputNumber
            min={1}
            max={100}
            value={count}
            onChange={(v) => setCount(v ?? 1)}
            addonBefore={t('count')}
          />
          {kind === 'delay' && (
            <InputNumber
              min={0}
              step={1000}
              value={ms}
              onChange={(v) => setMs(v ?? 0)}
              addonBefore={t('delayMs')}
            />
          )}
          <Button type="primary" loading={faults.isPending} onClick={() => faults.mutate(false)}>
            {t('inject')}
          </Button>
          <Button onClick={() => faults.mutate(true)}>{t('clear')}</Button>
        </Space>
        {faults.error && (
          <Alert style={{ marginTop: 12 }} type="error" showIcon title={faults.error.message} />
        )}
        {faults.data && (
          <Alert
            style={{ marginTop: 12 }}
            type="info"
            showIcon
            title={t('active')}
            description={<pre style={{ margin: 0 }}>{JSON.stringify(faults.data.faults, null, 2)}</pre>}
          />
        )}
      </Card>
    </Space>
  );
}
