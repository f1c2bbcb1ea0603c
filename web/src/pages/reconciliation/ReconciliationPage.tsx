import { PlayCircleOutlined, ReloadOutlined } from '@ant-design/icons';
import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import {
  Alert,
  Badge,
  Button,
  Card,
  DatePicker,
  Form,
  Progress,
  Select,
  Space,
  Table,
  Tag,
  Typography,
  type TableColumnsType,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { api } from '../../api/client';
import { Can } from '../../auth/Can';
import { useApps } from '../../components/AppSelect';
import { QueryError } from '../../components/QueryError';
import { dayjs, type Dayjs } from '../../i18n/dates';
import { useFormat } from '../../i18n/preferences';
import { RunDrawer } from './RunDrawer';
import { currencyOf, mismatches, RECONCILABLE, STATUS_COLOR, type Run, type RunStatus } from './types';

interface Config {
  id: string;
  app: string;
  mode: 'test' | 'live';
  provider: string;
  enabled: boolean;
  settings: Record<string, unknown>;
}

/** What a run reconciles: `config:<id>`, or `provider:<p>` (a simulator's default merchant, test mode). */
type Target = string;

function targetBody(target: Target) {
  const [kind, value] = target.split(':') as ['config' | 'provider', string];
  return kind === 'config' ? { config: value } : { provider: value };
}
/** The run's `config` field for a target: the config id, or `sandbox:<provider>`. */
const runKey = (target: Target) => target.replace(/^config:/, '').replace(/^provider:/, 'sandbox:');

export default function ReconciliationPage() {
  const { t } = useTranslation('reconciliation');
  const f = useFormat();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const open = params.get('run') ?? undefined;
  const setOpen = (id?: string) => setParams(id ? { run: id } : {}, { replace: false });
  const [filters, setFilters] = useState<{
    provider?: string;
    config?: string;
    date?: string;
    status?: RunStatus;
  }>({});
  const [form] = Form.useForm<{ date: Dayjs; target: Target }>();
  const [pendingTarget, setPendingTarget] = useState<{ date: string; key: string }>();

  const apps = useApps();
  const appName = (id: string | null) => apps.data?.find((a) => a.id === id)?.name ?? id ?? '';
  const configs = useQuery({
    queryKey: ['channel-configs', 'all'],
    queryFn: () => api<{ data: Config[] }>('/channel_configs').then((r) => r.data),
  });
  const label = (key: string, provider: string) => {
    if (key.startsWith('sandbox:')) return t('simulatorTarget', { provider: t(`provider.${provider}`) });
    const c = configs.data?.find((x) => x.id === key);
    return c
      ? `${t(`provider.${c.provider}`)} · ${appName(c.app)} · ${t(`mode.${c.mode}`)}`
      : `${t(`provider.${provider}`)} · ${key}`;
  };
  const targets = [
    ...RECONCILABLE.map((p) => ({ value: `provider:${p}`, label: label(`sandbox:${p}`, p) })),
    ...(configs.data ?? [])
      .filter(
        (c) => (RECONCILABLE as readonly string[]).includes(c.provider) && c.settings.simulator !== true,
      )
      .map((c) => ({ value: `config:${c.id}`, label: label(c.id, c.provider) })),
  ];

  const runs = useInfiniteQuery({
    queryKey: ['reconciliation-runs', filters],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      api<{ data: Run[]; has_more: boolean }>('/reconciliation_runs', {
        query: { ...filters, limit: 20, starting_after: pageParam },
      }),
    getNextPageParam: (last) => (last.has_more ? last.data.at(-1)?.id : undefined),
    placeholderData: keepPreviousData,
    refetchInterval: (q) =>
      q.state.data?.pages.some((p) => p.data.some((r) => r.status === 'running')) ? 2000 : false,
  });
  const rows = runs.data?.pages.flatMap((p) => p.data) ?? [];

  // The run being made: the POST answers when it is done, meanwhile its row is polled.
  const progress = useQuery({
    queryKey: ['reconciliation-progress', pendingTarget],
    enabled: !!pendingTarget,
    queryFn: () =>
      api<{ data: Run[] }>('/reconciliation_runs', {
        query: { date: pendingTarget!.date, config: pendingTarget!.key, status: 'running', limit: 1 },
      }).then((r) => r.data[0] ?? null),
    refetchInterval: 1000,
  });
  const create = useMutation({
    mutationFn: (v: { date: Dayjs; target: Target }) =>
      api<Run>('/reconciliation_runs', {
        method: 'POST',
        body: { date: v.date.format('YYYY-MM-DD'), ...targetBody(v.target) },
      }),
    onMutate: (v) => setPendingTarget({ date: v.date.format('YYYY-MM-DD'), key: runKey(v.target) }),
    onSettled: async () => {
      setPendingTarget(undefined);
      await queryClient.invalidateQueries({ queryKey: ['reconciliation-runs'] });
    },
  });
  const last = create.data;

  const columns: TableColumnsType<Run> = [
    { title: t('col.date'), dataIndex: 'date', width: 110 },
    {
      title: t('col.target'),
      key: 'target',
      width: 300,
      render: (_, r) => (
        <Space size={4}>
          <span>{label(r.config, r.provider)}</span>
          {!r.livemode && <Tag>{t('mode.test')}</Tag>}
        </Space>
      ),
    },
    { title: t('col.trigger'), dataIndex: 'trigger', width: 90, render: (v: string) => t(`trigger.${v}`) },
    {
      title: t('col.status'),
      dataIndex: 'status',
      width: 110,
      render: (v: RunStatus) => <Badge status={STATUS_COLOR[v] as 'success'} text={t(`status.${v}`)} />,
    },
    { title: t('col.rows'), dataIndex: 'rows_read', align: 'right', width: 90 },
    {
      title: t('col.matched'),
      key: 'matched',
      align: 'right',
      width: 90,
      render: (_, r) => r.counts.matched ?? 0,
    },
    {
      title: t('col.repaired'),
      key: 'repaired',
      align: 'right',
      width: 90,
      render: (_, r) => r.counts.repaired ?? 0,
    },
    {
      title: t('col.mismatches'),
      key: 'mismatches',
      align: 'right',
      width: 100,
      render: (_, r) => {
        const n = mismatches(r);
        return n > 0 ? <Tag color="red">{n}</Tag> : <Typography.Text type="secondary">0</Typography.Text>;
      },
    },
    {
      title: t('col.fees'),
      dataIndex: 'fee_total',
      align: 'right',
      width: 110,
      render: (v: number, r) => f.money(v, currencyOf(r.provider)),
    },
    { title: t('col.started'), dataIndex: 'started_at', width: 170, render: (v: string) => f.dateTime(v) },
    {
      title: '',
      key: 'open',
      width: 80,
      render: (_, r) => (
        <Typography.Link onClick={() => setOpen(r.id)} data-testid="run-open">
          {t('view')}
        </Typography.Link>
      ),
    },
  ];

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <div>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('title')}
        </Typography.Title>
        <Typography.Text type="secondary">{t('intro')}</Typography.Text>
      </div>
      <Can permission="reconciliation.run">
        <Card size="small" title={t('runTitle')}>
          <Form
            form={form}
            layout="inline"
            data-testid="run-form"
            initialValues={{ date: dayjs().tz(f.timeZone).subtract(1, 'day'), target: 'provider:wechatpay' }}
            onFinish={(v) => create.mutate(v)}
          >
            <Form.Item name="date" label={t('date')} rules={[{ required: true, message: t('dateRequired') }]}>
              <DatePicker
                allowClear={false}
                disabledDate={(d) => d.isAfter(dayjs().tz(f.timeZone).endOf('day'))}
                data-testid="run-date"
              />
            </Form.Item>
            <Form.Item
              name="target"
              label={t('target')}
              rules={[{ required: true, message: t('targetRequired') }]}
              style={{ minWidth: 380 }}
            >
              <Select options={targets} data-testid="run-target" showSearch={{ optionFilterProp: 'label' }} />
            </Form.Item>
            <Form.Item>
              <Button
                type="primary"
                htmlType="submit"
                icon={<PlayCircleOutlined />}
                loading={create.isPending}
                data-testid="run-submit"
              >
                {t('run')}
              </Button>
            </Form.Item>
          </Form>
          {create.isPending && (
            <div data-testid="run-progress" style={{ marginTop: 16 }}>
              <Progress percent={100} status="active" showInfo={false} />
              <Typography.Text type="secondary">
                {t('running', { rows: progress.data?.rows_read ?? 0 })}
              </Typography.Text>
            </div>
          )}
          {create.isError && (
            <Alert
              style={{ marginTop: 16 }}
              type="error"
              showIcon
              title={t('runError')}
              description={(create.error as Error).message}
            />
          )}
          {last && !create.isPending && (
            <Alert
              data-testid="run-result"
              style={{ marginTop: 16 }}
              showIcon
              type={
                last.status !== 'completed'
                  ? last.status === 'not_ready'
                    ? 'warning'
                    : 'error'
                  : mismatches(last) > 0
                    ? 'warning'
                    : 'success'
              }
              title={
                last.status === 'completed'
                  ? t('resultCompleted', {
                      rows: last.rows_read,
                      matched: last.counts.matched ?? 0,
                      repaired: last.counts.repaired ?? 0,
                      mismatches: mismatches(last),
                    })
                  : `${t(`status.${last.status}`)}: ${last.error ?? ''}`
              }
              action={
                <Button size="small" onClick={() => setOpen(last.id)} data-testid="run-result-open">
                  {t('view')}
                </Button>
              }
            />
          )}
        </Card>
      </Can>
      <Card
        size="small"
        title={t('runs')}
        extra={
          <Button icon={<ReloadOutlined />} onClick={() => runs.refetch()}>
            {t('common:refresh')}
          </Button>
        }
      >
        <Space wrap style={{ marginBottom: 12 }}>
          <Select
            allowClear
            data-testid="filter-provider"
            placeholder={t('filter.provider')}
            style={{ width: 200 }}
            value={filters.provider}
            onChange={(provider?: string) => setFilters({ ...filters, provider, config: undefined })}
            options={RECONCILABLE.map((p) => ({ value: p, label: t(`provider.${p}`) }))}
          />
          <Select
            allowClear
            data-testid="filter-config"
            placeholder={t('filter.config')}
            style={{ width: 300 }}
            value={filters.config}
            onChange={(config?: string) => setFilters({ ...filters, config })}
            options={targets
              .filter(
                (o) =>
                  !filters.provider || o.value.endsWith(filters.provider) || o.value.startsWith('config:'),
              )
              .map((o) => ({ value: runKey(o.value), label: o.label }))}
          />
          <DatePicker
            data-testid="filter-date"
            placeholder={t('filter.date')}
            value={filters.date ? dayjs(filters.date) : null}
            onChange={(d) => setFilters({ ...filters, date: d ? d.format('YYYY-MM-DD') : undefined })}
          />
          <Select
            allowClear
            data-testid="filter-status"
            placeholder={t('filter.status')}
            style={{ width: 150 }}
            value={filters.status}
            onChange={(status?: RunStatus) => setFilters({ ...filters, status })}
            options={(['completed', 'running', 'not_ready', 'failed'] as const).map((s) => ({
              value: s,
              label: t(`status.${s}`),
            }))}
          />
        </Space>
        {runs.isError ? (
          <QueryError error={runs.error} onRetry={() => runs.refetch()} />
        ) : (
          <Table<Run>
            rowKey="id"
            size="middle"
            loading={runs.isPending}
            columns={columns}
            dataSource={rows}
            pagination={false}
            scroll={{ x: 1100 }}
            locale={{ emptyText: t('empty') }}
            onRow={(r) => ({ onDoubleClick: () => setOpen(r.id) })}
          />
        )}
        {runs.hasNextPage && (
          <Button
            style={{ marginTop: 12 }}
            loading={runs.isFetchingNextPage}
            onClick={() => runs.fetchNextPage()}
          >
            {t('loadMore')}
          </Button>
        )}
      </Card>
      <RunDrawer id={open} label={label} onClose={() => setOpen(undefined)} />
    </Space>
  );
}
