import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App as AntApp,
  Button,
  DatePicker,
  Descriptions,
  Drawer,
  Popconfirm,
  Select,
  Space,
  Table,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { Can } from '../../auth/Can';
import { AppSelect } from '../../components/AppSelect';
import { QueryError } from '../../components/QueryError';
import { useFormat } from '../../i18n/preferences';
import { type Endpoint, EndpointForm } from './EndpointForm';

interface TestAnswer {
  request: { method: string; url: string; headers: Record<string, string>; body: string };
  response: { status: number; headers: Record<string, string>; body: string } | null;
  error: string | null;
  latency_ms: number;
  acknowledged: boolean;
}
interface Delivery {
  id: string;
  event_type: string;
  endpoint: string | null;
  url: string;
  status: string;
  attempts: number;
  last_response_status: number | null;
  last_error: string | null;
  created_at: string;
}

const STATUS_COLOR: Record<string, string> = {
  succeeded: 'green',
  failed: 'red',
  pending: 'blue',
  canceled: 'default',
};

export default function WebhooksPage() {
  const { t } = useTranslation('webhooks');
  const [appId, setAppId] = useState<string>();
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('title')}</Typography.Title>
      <AppSelect value={appId} onChange={setAppId} />
      {appId && (
        <Tabs
          items={[
            { key: 'endpoints', label: t('endpoints'), children: <Endpoints appId={appId} /> },
            { key: 'deliveries', label: t('deliveries'), children: <Deliveries appId={appId} /> },
          ]}
        />
      )}
    </Space>
  );
}

function Endpoints({ appId }: { appId: string }) {
  const { t } = useTranslation('webhooks');
  const { message } = AntApp.useApp();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Endpoint | 'new'>();
  const [testAnswer, setTestAnswer] = useState<TestAnswer>();
  const [secret, setSecret] = useState<string>();
  const list = useQuery({
    queryKey: ['webhook-endpoints', appId],
    queryFn: () =>
      api<{ data: Endpoint[] }>('/webhook_endpoints', { query: { app: appId } }).then((r) => r.data),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['webhook-endpoints'] });
  const remove = useMutation({
    mutationFn: (id: string) => api(`/webhook_endpoints/${id}`, { method: 'DELETE' }),
    onSuccess: async () => {
      message.success(t('deleted'));
      await refresh();
    },
  });
  const test = useMutation({
    mutationFn: (id: string) =>
      api<TestAnswer>(`/webhook_endpoints/${id}/test`, { method: 'POST', body: {} }),
    onSuccess: setTestAnswer,
  });
  if (list.error) return <QueryError error={list.error} onRetry={() => list.refetch()} />;
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Can permission="webhooks.write">
        <Button type="primary" data-testid="add-webhook" onClick={() => setEditing('new')}>
          {t('add')}
        </Button>
      </Can>
      {secret && (
        <Alert
          type="warning"
          showIcon
          closable
          title={t('secretOnce')}
          description={
            <Typography.Text code copyable>
              {secret}
            </Typography.Text>
          }
        />
      )}
      <Table<Endpoint>
        rowKey="id"
        loading={list.isLoading}
        dataSource={list.data}
        pagination={false}
        columns={[
          {
            title: t('url'),
            dataIndex: 'url',
            render: (url: string) => <Typography.Text code>{url}</Typography.Text>,
          },
          { title: t('format'), dataIndex: 'format', render: (v: string) => t(`formats.${v}`) },
          { title: t('mode'), dataIndex: 'mode', render: (v: string) => <Tag>{t(`common:mode.${v}`)}</Tag> },
          { title: t('events'), dataIndex: 'events', render: (v: string[]) => v.join(', ') },
          {
            title: t('status'),
            render: (_, e) => (
              <Tag color={!e.enabled ? 'default' : e.status === 'failing' ? 'red' : 'green'}>
                {t(`health.${!e.enabled ? 'disabled' : e.status === 'failing' ? 'failing' : 'healthy'}`)}
              </Tag>
            ),
          },
          {
            title: t('common:actions'),
            render: (_, e) => (
              <Can permission="webhooks.write">
                <Space>
                  <Button
                    size="small"
                    data-testid="test-send"
                    loading={test.isPending}
                    onClick={() => test.mutate(e.id)}
                  >
                    {t('testSend')}
                  </Button>
                  <Button size="small" onClick={() => setEditing(e)}>
                    {t('edit')}
                  </Button>
                  <Popconfirm title={t('deleteConfirm')} onConfirm={() => remove.mutate(e.id)}>
                    <Button size="small" danger>
                      {t('delete')}
                    </Button>
                  </Popconfirm>
                </Space>
              </Can>
            ),
          },
        ]}
      />
      {editing && (
        <EndpointForm
          appId={appId}
          endpoint={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(undefined)}
          onSaved={async (created) => {
            if (created?.secret) setSecret(created.secret);
            message.success(editing === 'new' ? t('created') : t('saved'));
            setEditing(undefined);
            await refresh();
          }}
        />
      )}
      <Drawer
        open={Boolean(testAnswer)}
        size="large"
        title={t('testResult')}
        onClose={() => setTestAnswer(undefined)}
      >
        {testAnswer && <TestSendResult answer={testAnswer} />}
      </Drawer>
    </Space>
  );
}

function TestSendResult({ answer }: { answer: TestAnswer }) {
  const { t } = useTranslation('webhooks');
  const block = (text: string) => (
    <pre
      style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all', background: '#f6f6f6', padding: 8, margin: 0 }}
    >
      {text}
    </pre>
  );
  const headers = (h: Record<string, string>) =>
    Object.entries(h)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n');
  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="test-send-result">
      <Alert
        type={answer.acknowledged ? 'success' : 'error'}
        showIcon
        title={`${answer.acknowledged ? t('acknowledged') : t('notAcknowledged')} · ${answer.latency_ms} ms`}
        description={answer.error ?? undefined}
      />
      <Typography.Title level={5}>{t('request')}</Typography.Title>
      {block(
        `${answer.request.method} ${answer.request.url}\n${headers(answer.request.headers)}\n\n${answer.request.body}`,
      )}
      <Typography.Title level={5}>{t('response')}</Typography.Title>
      {answer.response
        ? block(
            `HTTP ${answer.response.status}\n${headers(answer.response.headers)}\n\n${answer.response.body}`,
          )
        : t('noResponse')}
    </Space>
  );
}

function Deliveries({ appId }: { appId: string }) {
  const { t } = useTranslation('webhooks');
  const f = useFormat();
  const { message } = AntApp.useApp();
  const queryClient = useQueryClient();
  const [filter, setFilter] = useState<{
    endpoint?: string;
    status?: string;
    event_type?: string;
    range?: [Dayjs, Dayjs];
  }>({});
  const [open, setOpen] = useState<string>();
  const endpoints = useQuery({
    queryKey: ['webhook-endpoints', appId],
    queryFn: () =>
      api<{ data: Endpoint[] }>('/webhook_endpoints', { query: { app: appId } }).then((r) => r.data),
  });
  const query = {
    app: appId,
    endpoint: filter.endpoint,
    status: filter.status,
    event_type: filter.event_type,
    created_gte: filter.range?.[0]?.toISOString(),
    created_lt: filter.range?.[1]?.toISOString(),
  };
  const list = useQuery({
    queryKey: ['deliveries', query],
    queryFn: () =>
      api<{ data: Delivery[]; has_more: boolean }>('/deliveries', { query: { ...query, limit: 100 } }),
  });
  const detail = useQuery({
    queryKey: ['delivery', open],
    enabled: Boolean(open),
    queryFn: () => api<Delivery & { attempt_log: Record<string, any>[] }>(`/deliveries/${open}`),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['deliveries'] });
  const replay = useMutation({
    mutationFn: (id: string) => api(`/deliveries/${id}/replay`, { method: 'POST' }),
    onSuccess: async () => {
      message.success(t('replayed'));
      await refresh();
    },
  });
  const bulk = useMutation({
    mutationFn: () =>
      api<{ replayed: number }>('/deliveries/replay', {
        method: 'POST',
        body: Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)),
      }),
    onSuccess: async (answer) => {
      message.success(t('bulkDone', { count: answer.replayed }));
      await refresh();
    },
    onError: (error) => message.error(error.message),
  });
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Space wrap>
        <Select
          allowClear
          placeholder={t('endpoint')}
          style={{ width: 280 }}
          value={filter.endpoint}
          onChange={(endpoint) => setFilter({ ...filter, endpoint })}
          options={(endpoints.data ?? []).map((e) => ({ value: e.id, label: e.url }))}
        />
        <Select
          allowClear
          data-testid="delivery-status-filter"
          placeholder={t('status')}
          style={{ width: 140 }}
          value={filter.status}
          onChange={(status) => setFilter({ ...filter, status })}
          options={['pending', 'succeeded', 'failed', 'canceled'].map((s) => ({
            value: s,
            label: t(`deliveryStatus.${s}`),
          }))}
        />
        <Select
          allowClear
          placeholder={t('eventType')}
          style={{ width: 200 }}
          value={filter.event_type}
          onChange={(event_type) => setFilter({ ...filter, event_type })}
          options={[
            'charge.succeeded',
            'charge.failed',
            'charge.closed',
            'refund.succeeded',
            'refund.failed',
            'endpoint.failing',
          ].map((v) => ({ value: v, label: v }))}
        />
        <DatePicker.RangePicker
          showTime
          value={filter.range}
          onChange={(range) => setFilter({ ...filter, range: range as [Dayjs, Dayjs] })}
        />
        <Can permission="webhooks.write">
          <Popconfirm
            title={t('bulkConfirm')}
            onConfirm={() =>
              filter.endpoint || filter.range ? bulk.mutate() : message.warning(t('bulkNeedsFilter'))
            }
          >
            <Button data-testid="bulk-replay" loading={bulk.isPending}>
              {t('bulkReplay')}
            </Button>
          </Popconfirm>
        </Can>
      </Space>
      {list.error ? (
        <QueryError error={list.error} onRetry={() => list.refetch()} />
      ) : (
        <Table<Delivery>
          rowKey="id"
          size="small"
          loading={list.isLoading}
          dataSource={list.data?.data}
          onRow={(d) => ({ onDoubleClick: () => setOpen(d.id) })}
          columns={[
            { title: t('time'), dataIndex: 'created_at', render: (v: string) => f.dateTime(v) },
            { title: t('eventType'), dataIndex: 'event_type' },
            { title: t('url'), dataIndex: 'url', ellipsis: true },
            {
              title: t('status'),
              dataIndex: 'status',
              render: (v: string) => <Tag color={STATUS_COLOR[v]}>{t(`deliveryStatus.${v}`)}</Tag>,
            },
            { title: t('attempts'), dataIndex: 'attempts' },
            { title: t('lastResponse'), render: (_, d) => d.last_response_status ?? d.last_error ?? '' },
            {
              title: t('common:actions'),
              render: (_, d) => (
                <Space>
                  <Button size="small" onClick={() => setOpen(d.id)}>
                    {t('common:details')}
                  </Button>
                  <Can permission="webhooks.write">
                    <Button size="small" data-testid="replay" onClick={() => replay.mutate(d.id)}>
                      {t('replay')}
                    </Button>
                  </Can>
                </Space>
              ),
            },
          ]}
        />
      )}
      <Drawer open={Boolean(open)} size="large" title={t('attemptLog')} onClose={() => setOpen(undefined)}>
        {detail.data?.attempt_log.map((a) => (
          <Descriptions
            key={a.number}
            bordered
            size="small"
            column={1}
            style={{ marginBottom: 16 }}
            title={`#${a.number} · ${a.trigger}`}
          >
            <Descriptions.Item label={t('status')}>{a.outcome}</Descriptions.Item>
            <Descriptions.Item label={t('request')}>
              {a.request ? `${a.request.method} ${a.request.url}` : '—'}
            </Descriptions.Item>
            <Descriptions.Item label={t('response')}>
              {a.response ? `HTTP ${a.response.status} ${a.response.body ?? ''}` : a.error}
            </Descriptions.Item>
            <Descriptions.Item label="ms">{a.latency_ms}</Descriptions.Item>
          </Descriptions>
        ))}
      </Drawer>
    </Space>
  );
}
