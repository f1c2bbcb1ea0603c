import { Button, Form, Input, Space } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { showServerError } from '../../components/server-errors';
import { useFormat } from '../../i18n/preferences';
import { decimalToMinor, minorToDecimal } from '../../i18n/money';

export interface RefundInput {
  amount: number;
  description: string;
}

/**
 * A partial (or full) refund: the amount typed as a decimal, checked against what is left to
 * refund before anything is sent; the caller asks for confirmation and sends it.
 */
export function RefundForm(props: {
  currency: string;
  refundable: number;
  onSubmit(input: RefundInput): Promise<void>;
  onCancel(): void;
}) {
  const { t } = useTranslation('transactions');
  const common = useTranslation('common').t;
  const f = useFormat();
  const [form] = Form.useForm();
  const [busy, setBusy] = useState(false);
  const max = f.money(props.refundable, props.currency);

  async function finish(values: { amount: string; description: string }) {
    setBusy(true);
    try {
      await props.onSubmit({
        amount: decimalToMinor(values.amount, props.currency)!,
        description: values.description.trim(),
      });
    } catch (error) {
      if (!showServerError(form, error, ['amount', 'description']))
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
      <Space style={{ justifyContent: 'flex-end', width: '100%' }}>
        <Button onClick={props.onCancel}>{common('cancel')}</Button>
        <Button type="primary" danger htmlType="submit" loading={busy}>
          {t('refund')}
        </Button>
      </Space>
    </Form>
  );
}
