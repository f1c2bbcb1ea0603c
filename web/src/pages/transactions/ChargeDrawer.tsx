import { useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Descriptions, Drawer, Input, Modal, Space, Timeline, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { Can } from '../../auth/Can';
import { QueryError } from '../../components/QueryError';
import { useFormat } from '../../i18n/preferences';
import { LARGE_REFUND, RefundForm, type RefundInput } from './RefundForm';
import { StatusTag } from './StatusTag';
import { PENDING, type Charge, type TimelineEntry } from './types';

interface Detail {
  charge: Charge;
  timeline: TimelineEntry[];
}

const DOT: Record<string, string> = {
  created: 'blue',
  event: 'green',
  refund: 'purple',
  notification: 'gray',
  attempt: 'gray',
};

/** One charge: its fields, the whole timeline, and the refund and close actions the role may take. */
export function ChargeDrawer({ id, onClose }: { id?: string; onClose(): void }) {
  const { t } = useTranslation('transactions');
  const f = useFormat();
  const { modal, message } = App.useApp();
  const queryClient = useQueryClient();
  const [refunding, setRefunding] = useState(false);
  const detail = useQuery({
    queryKey: ['charge-timeline', id],
    enabled: !!id,
    queryFn: () => api<Detail>(`/charges/${id}/timeline`),
    refetchInterval: (q) => (q.state.data && PENDING.has(q.state.data.charge.status) ? 3000 : false),
  });
  const charge = detail.data?.charge;
  const refresh = () =>
    queryClient.invalidateQueries({
      predicate: (q) => ['charges', 'charge-timeline'].includes(String(q.queryKey[0])),
    });

  function confirmRefund(input: RefundInput) {
    const amount = f.money(input.amount, charge!.currency);
    const large = input.amount >= LARGE_REFUND;
    return new Promise<void>((resolve, reject) => {
      // A large refund is confirmed by typing the order number, not by one more click.
      const typed = (value: string) =>
        dialog.update({ okButtonProps: { danger: true, disabled: value.trim() !== charge!.order_no } });
      const dialog = modal.confirm({
        title: large ? t('largeRefundTitle', { amount }) : t('refundConfirm', { amount }),
        content: large ? (
          <Space orientation="vertical" style={{ width: '100%' }}>
            <Typography.Text>{t('largeRefundHint', { order: charge!.order_no })}</Typography.Text>
            <Input
              data-testid="large-refund-confirm"
              placeholder={t('largeRefundPlaceholder')}
              onChange={(e) => typed(e.target.value)}
            />
          </Space>
        ) : undefined,
        okButtonProps: { danger: true, disabled: large },
        onOk: async () => {
          try {
            await api(`/charges/${charge!.id}/refunds`, { method: 'POST', body: input });
            message.success(t('refundDone'));
            setRefunding(false);
            await refresh();
            resolve();
          } catch (error) {
            reject(error);
          }
        },
        onCancel: () => resolve(),
      });
    });
  }

  function confirmClose() {
    modal.confirm({
      title: t('closeConfirm', { order: charge!.order_no }),
      okButtonProps: { danger: true },
      onOk: async () => {
        await api(`/charges/${charge!.id}/cancel`, { method: 'POST' });
        message.success(t('closeDone'));
        await refresh();
      },
    });
  }

  const refundable = charge ? charge.amount - charge.amount_refunded : 0;
  return (
    <Drawer
      open={!!id}
      onClose={onClose}
      size={640}
      title={t('detail')}
      data-testid="charge-drawer"
      extra={
        charge && (
          <Space>
            {PENDING.has(charge.status) && (
              <Can permission="charges.write">
                <Button danger onClick={confirmClose} data-testid="close-charge">
                  {t('close')}
                </Button>
              </Can>
            )}
            {charge.status === 'succeeded' && refundable > 0 && (
              <Can permission="refunds.write">
                <Button type="primary" onClick={() => setRefunding(true)} data-testid="refund-charge">
                  {t('refund')}
                </Button>
              </Can>
            )}
          </Space>
        )
      }
    >
      {detail.isError && <QueryError error={detail.error} onRetry={() => detail.refetch()} />}
      {charge && (
        <>
          <Descriptions column={1} size="small" bordered>
            <Descriptions.Item label={t('col.orderNo')}>
              <Typography.Text copyable>{charge.order_no}</Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t('col.id')}>
              <Typography.Text copyable>{charge.id}</Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t('transactionNo')}>{charge.transaction_no ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={t('col.product')}>
              {t(`product.${charge.channel}.${charge.method}`, {
                defaultValue: `${charge.channel} ${charge.method}`,
              })}
            </Descriptions.Item>
            <Descriptions.Item label={t('subject')}>{charge.subject}</Descriptions.Item>
            <Descriptions.Item label={t('col.amount')}>
              <strong>{f.money(charge.amount, charge.currency)}</strong>
            </Descriptions.Item>
            <Descriptions.Item label={t('col.refunded')}>
              {f.money(charge.amount_refunded, charge.currency)}
            </Descriptions.Item>
            <Descriptions.Item label={t('col.status')}>
              <span data-testid="drawer-status">
                <StatusTag charge={charge} />
              </span>
            </Descriptions.Item>
            <Descriptions.Item label={t('col.created')}>{f.dateTime(charge.created_at)}</Descriptions.Item>
            <Descriptions.Item label={t('paidAt')}>{f.dateTime(charge.paid_at)}</Descriptions.Item>
          </Descriptions>
          <Typography.Title level={5} style={{ marginTop: 24 }}>
            {t('timeline')}
          </Typography.Title>
          <Timeline
            items={detail.data!.timeline.map((e) => ({
              color: DOT[e.kind] ?? (e.label === 'failed' ? 'red' : 'gray'),
              content: (
                <div>
                  <Typography.Text strong>{t(`kind.${e.kind}`)}</Typography.Text>{' '}
                  <Typography.Text code>{e.label}</Typography.Text>
                  <div>
                    <Typography.Text type="secondary">{f.dateTime(e.at)}</Typography.Text>
                  </div>
                  {e.kind === 'refund' && e.detail && (
                    <div>
                      {f.money(Number(e.detail.amount), String(e.detail.currency))} ·{' '}
                      {String(e.detail.description ?? '')}
                    </div>
                  )}
                  {e.kind === 'notification' && e.detail && (
                    <Typography.Text type="secondary" style={{ wordBreak: 'break-all' }}>
                      {String(e.detail.event_type)} → {String(e.detail.url)}
                    </Typography.Text>
                  )}
                  {e.kind === 'attempt' && e.detail && (
                    <Typography.Text type="secondary">
                      #{String(e.detail.number)} HTTP {String(e.detail.response_status ?? '—')}{' '}
                      {String(e.detail.error ?? '')}
                    </Typography.Text>
                  )}
                </div>
              ),
            }))}
          />
          <Modal
            open={refunding}
            title={t('refundTitle', { order: charge.order_no })}
            footer={null}
            onCancel={() => setRefunding(false)}
            destroyOnHidden
          >
            <RefundForm
              store={charge.store}
              currency={charge.currency}
              refundable={refundable}
              onSubmit={confirmRefund}
              onCancel={() => setRefunding(false)}
            />
          </Modal>
        </>
      )}
    </Drawer>
  );
}
