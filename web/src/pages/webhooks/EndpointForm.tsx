import { useMutation } from '@tanstack/react-query';
import { Alert, Checkbox, Form, Input, Modal, Select } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { showServerError } from '../../components/server-errors';
import { formatHeaders, parseHeaders } from './headers';

export interface Endpoint {
  id: string;
  url: string;
  format: 'native' | 'maxpay' | 'paymax';
  mode: 'test' | 'live';
  events: string[];
  headers: Record<string, string>;
  description: string | null;
  enabled: boolean;
  status: string;
}

export const EVENT_CHOICES = [
  '*',
  'charge.created',
  'charge.succeeded',
  'charge.failed',
  'charge.canceled',
  'charge.closed',
  'refund.created',
  'refund.succeeded',
  'refund.failed',
  'endpoint.failing',
  'endpoint.recovered',
];

const FIELDS = ['url', 'format', 'mode', 'events', 'headers', 'description'] as const;

/** Add or edit a webhook endpoint; validates before submit and puts the server's refusal next to its field. */
export function EndpointForm(props: {
  appId: string;
  endpoint?: Endpoint;
  onClose: () => void;
  onSaved: (created?: { secret?: string }) => void | Promise<void>;
}) {
  const { t } = useTranslation('webhooks');
  const [form] = Form.useForm();
  const [topError, setTopError] = useState<string>();
  const editing = props.endpoint;
  const save = useMutation({
    mutationFn: (values: Record<string, any>) => {
      const body = {
        url: values.url.trim(),
        mode: values.mode,
        events: values.events,
        headers: parseHeaders(values.headers) ?? {},
        description: values.description || null,
        enabled: values.enabled,
      };
      return editing
        ? api<Endpoint>(`/webhook_endpoints/${editing.id}`, { method: 'PATCH', body })
        : api<Endpoint & { secret?: string }>('/webhook_endpoints', {
            method: 'POST',
            body: { ...body, app: props.appId, format: values.format },
          });
    },
    onSuccess: (saved) => props.onSaved(saved as { secret?: string }),
    onError: (error) => {
      if (!showServerError(form, error, FIELDS)) setTopError(error.message);
    },
  });
  return (
    <Modal
      open
      title={editing ? t('edit') : t('add')}
      onCancel={props.onClose}
      onOk={() => form.submit()}
      okButtonProps={{ loading: save.isPending, id: 'save-webhook' }}
      okText={t('common:save')}
      cancelText={t('common:cancel')}
      width={640}
    >
      {topError && <Alert type="error" showIcon title={topError} style={{ marginBottom: 12 }} />}
      <Form
        form={form}
        layout="vertical"
        initialValues={{
          url: editing?.url,
          format: editing?.format ?? 'native',
          mode: editing?.mode ?? 'test',
          events: editing?.events ?? ['*'],
          headers: formatHeaders(editing?.headers),
          description: editing?.description ?? '',
          enabled: editing?.enabled ?? true,
        }}
        onFinish={(values) => {
          setTopError(undefined);
          save.mutate(values);
        }}
      >
        <Form.Item
          name="url"
          label={t('url')}
          rules={[
            { required: true, message: t('url') },
            { type: 'url', message: 'http(s)://…' },
            { pattern: /^https?:\/\//i, message: 'http(s)://…' },
          ]}
        >
          <Input data-testid="webhook-url" placeholder="https://example.com/juhe/webhook" />
        </Form.Item>
        <Form.Item name="format" label={t('format')}>
          <Select
            disabled={Boolean(editing)}
            options={['native', 'maxpay', 'paymax'].map((f) => ({ value: f, label: t(`formats.${f}`) }))}
          />
        </Form.Item>
        <Form.Item name="mode" label={t('mode')}>
          <Select options={['test', 'live'].map((m) => ({ value: m, label: t(`common:mode.${m}`) }))} />
        </Form.Item>
        <Form.Item
          name="events"
          label={t('events')}
          rules={[{ required: true, type: 'array', min: 1, message: t('events') }]}
        >
          <Select
            mode="multiple"
            options={EVENT_CHOICES.map((e) => ({ value: e, label: e === '*' ? t('allEvents') : e }))}
          />
        </Form.Item>
        <Form.Item
          name="headers"
          label={t('headers')}
          extra={t('headersHint')}
          rules={[
            {
              validator: (_, value: string) =>
                parseHeaders(value) ? Promise.resolve() : Promise.reject(new Error(t('invalidHeaders'))),
            },
          ]}
        >
          <Input.TextArea data-testid="webhook-headers" rows={3} placeholder="X-Shop: 0001" />
        </Form.Item>
        <Form.Item name="description" label={t('description')}>
          <Input maxLength={500} />
        </Form.Item>
        <Form.Item name="enabled" valuePropName="checked">
          <Checkbox>{t('enabled')}</Checkbox>
        </Form.Item>
      </Form>
    </Modal>
  );
}
