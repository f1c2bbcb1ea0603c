import { Button, Form, Input, Space } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/client';
import { showServerError } from '../../components/server-errors';
import { useFormat } from '../../i18n/preferences';
import { decimalToMinor, minorToDecimal } from '../../i18n/money';

export interface RefundInput {
  amount: number;
  description: string;
  /** A store charge's supervisor password, as typed (the API checks it against the store's). */
  supervisor_password?: string;
}

/** From this amount (minor units: ¥10,000.00) a refund is confirmed by typing the order number. */
export const LARGE_REFUND = 1_000_000;

/**
 * A partial (or full) refund: the amount typed as a decimal, checked against what is left to
 * refund before anything is sent; for a store's charge, the store's supervisor password (as
 * the store API's refunds need it); the caller asks for confirmation and sends it.
 */
export function RefundForm(props: {
  currency: string;
  refundable: number;
  /** The charge's store: its supervisor must confirm. */
  store?: string | null;
  onSubmit(input: RefundInput): Promise<void>;
  onCancel(): void;
}) {
  const { t } = useTranslation('transactions');
  const common = useTranslation('common').t;
  const f = useFormat();
  const [form] = Form.useForm();
  const [busy, setBusy] = useState(false);
  const max = f.money(props.refundable, props.currency);

  async function finish(values: { amount: string; description: string; supervisor_password?: string }) {
    setBusy(true);
    try {
      await props.onSubmit({
        amount: decimalToMinor(values.amount, props.currency)!,
        description: values.description.trim(),
        ...(props.store ? { supervisor_password: values.supervisor_password } : {}),
      });
    } catch (error) {
      // The supervisor's refusals in the console's language; anything else as the server says it.
      if (error instanceof ApiError && error.param === 'supervisor_password' && error.status !== 400) {
        const key = error.status === 429 ? 'supervisorPasswordLocked' : 'supervisorPasswordWrong';
        form.setFields([{ name: 'supervisor_password', errors: [t(key)] }]);
      } else if (!showServerError(form, error, ['amount', 'description', 'supervisor_password']))
        form.setFields([{ name: 'amount', errors: [(error as Error).message] }]);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Form
      form={form}
      layout="vertical"
      onFinish={finish}
      initialValues={{ amount: minorToDecimal(props.refundable, props.currency), description: '' }}
      data-testid="refund-form"
    >
      <Form.Item
        name="amount"
        label={t('refundAmount')}
        extra={t('refundAmountHelp', { max })}
        rules={[
          {
            validator: async (_, value: string) => {
              const minor = decimalToMinor(String(value ?? ''), props.currency);
              if (minor === undefined || minor <= 0 || minor > props.refundable) {
                throw new Error(t('refundAmountInvalid', { max }));
              }
            },
          },
        ]}
      >
        <Input prefix={props.currency === 'CNY' ? '¥' : props.currency} inputMode="decimal" />
      </Form.Item>
      <Form.Item
        name="description"
        label={t('refundReason')}
        rules={[{ required: true, whitespace: true, message: t('refundReasonRequired') }]}
      >
        <Input.TextArea rows={2} maxLength={500} showCount />
      </Form.Item>
      {props.store && (
        <Form.Item
          name="supervisor_password"
          label={t('supervisorPassword')}
          extra={t('supervisorPasswordHelp')}
          rules={[{ required: true, message: t('supervisorPasswordRequired') }]}
        >
          <Input.Password autoComplete="off" maxLength={64} />
        </Form.Item>
      )}
      <Space style={{ justifyContent: 'flex-end', width: '100%' }}>
        <Button onClick={props.onCancel}>{common('cancel')}</Button>
        <Button type="primary" danger htmlType="submit" loading={busy}>
          {t('refund')}
        </Button>
      </Space>
    </Form>
  );
}
