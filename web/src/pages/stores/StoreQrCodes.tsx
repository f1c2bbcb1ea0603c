import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App as AntApp, Button, Form, Image, Input, Space, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { Can } from '../../auth/Can';
import { QueryError } from '../../components/QueryError';
import { showServerError } from '../../components/server-errors';
import { useFormat } from '../../i18n/preferences';

interface QrCode {
  id: string;
  label: string | null;
  url: string;
  png_url: string;
  pdf_url: string;
  created_at: string;
}

/**
 * Prints the PNG alone: a same-origin frame holding just the image, so the page's own
 * layout does not end up on the counter sign.
 */
function printImage(src: string) {
  const frame = document.createElement('iframe');
  frame.style.position = 'fixed';
  frame.style.width = '0';
  frame.style.height = '0';
  frame.style.border = '0';
  frame.src = src;
  frame.onload = () => {
    frame.contentWindow?.focus();
    frame.contentWindow?.print();
    setTimeout(() => frame.remove(), 60_000);
  };
  document.body.appendChild(frame);
}

/**
 * A store's aggregated QR codes (一码付): one per desk or terminal, each printed from its PNG
 * or downloaded as the PDF counter sheet (A4 or A5: the store's name and the apps that pay).
 */
export function StoreQrCodes({ storeId }: { storeId: string }) {
  const { t } = useTranslation('stores');
  const f = useFormat();
  const { message } = AntApp.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm();
  const list = useQuery({
    queryKey: ['store-qr-codes', storeId],
    queryFn: () => api<{ data: QrCode[] }>(`/stores/${storeId}/qr-codes`).then((r) => r.data),
  });
  const create = useMutation({
    mutationFn: (values: { label?: string }) =>
      api<QrCode>(`/stores/${storeId}/qr-codes`, {
        method: 'POST',
        body: values.label?.trim() ? { label: values.label.trim() } : {},
      }),
    onSuccess: async () => {
      form.resetFields();
      await queryClient.invalidateQueries({ queryKey: ['store-qr-codes', storeId] });
    },
    onError: (error) => {
      if (!showServerError(form, error, ['label'])) message.error(error.message);
    },
  });
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Typography.Title level={5}>{t('qrCodes')}</Typography.Title>
      <Typography.Text type="secondary">{t('qrIntro')}</Typography.Text>
      <Can permission="apps.write">
        <Form form={form} layout="inline" onFinish={(v) => create.mutate(v)}>
          <Form.Item name="label" rules={[{ max: 50, message: t('labelRule') }]}>
            <Input data-testid="qr-label" placeholder={t('qrLabel')} maxLength={50} />
          </Form.Item>
          <Button htmlType="submit" data-testid="create-qr" loading={create.isPending}>
            {t('createQr')}
          </Button>
        </Form>
      </Can>
      {list.error ? (
        <QueryError error={list.error} onRetry={() => list.refetch()} />
      ) : (
        <Table<QrCode>
          rowKey="id"
          size="small"
          loading={list.isLoading}
          dataSource={list.data}
          pagination={false}
          locale={{ emptyText: t('noQr') }}
          columns={[
            {
              title: t('qrImage'),
              render: (_, c) => (
                <Image data-testid="qr-image" src={c.png_url} width={96} alt={c.label ?? t('wholeStore')} />
              ),
            },
            { title: t('qrLabel'), render: (_, c) => c.label ?? <i>{t('wholeStore')}</i> },
            {
              title: t('qrUrl'),
              render: (_, c) => (
                <Typography.Text code copyable style={{ fontSize: 12 }}>
                  {c.url}
                </Typography.Text>
              ),
            },
            { title: t('createdAt'), render: (_, c) => f.dateTime(c.created_at) },
            {
              title: t('common:actions'),
              render: (_, c) => (
                <Space size="small">
                  <Button size="small" data-testid="print-qr" onClick={() => printImage(c.png_url)}>
                    {t('print')}
                  </Button>
                  {(['A4', 'A5'] as const).map((size) => (
                    <Button
                      key={size}
                      size="small"
                      data-testid={`pdf-qr-${size}`}
                      href={`${c.pdf_url}?size=${size}`}
                      target="_blank"
                      rel="noopener"
                    >
                      {t('pdfSheet')} {size}
                    </Button>
                  ))}
                </Space>
              ),
            },
          ]}
        />
      )}
    </Space>
  );
}
