import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import {
  Alert,
  Badge,
  Button,
  Card,
  Col,
  Descriptions,
  Drawer,
  Row,
  Segmented,
  Space,
  Statistic,
  Table,
  Tag,
  Tooltip,
  Typography,
  type TableColumnsType,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { ExportButtons } from '../../components/ExportButtons';
import { QueryError } from '../../components/QueryError';
import { useFormat } from '../../i18n/preferences';
import {
  CLASS_COLOR,
  currencyOf,
  ITEM_CLASSES,
  mismatches,
  STATUS_COLOR,
  type Item,
  type ItemClass,
  type Run,
} from './types';

const SUMMARY = ['matched', 'fee_recorded', ...ITEM_CLASSES] as const;

/**
 * One run: what was read, the count of each class, and the lines that differed, filtered by
 * class, paged, and exported as CSV or XLSX.
 */
export function RunDrawer({
  id,
  label,
  onClose,
}: {
  id?: string;
  label(config: string, provider: string): string;
  onClose(): void;
}) {
  const { t } = useTranslation('reconciliation');
  const f = useFormat();
  const [cls, setCls] = useState<ItemClass | 'all'>('all');
  const run = useQuery({
    queryKey: ['reconciliation-run', id],
    enabled: !!id,
    queryFn: () => api<Run>(`/reconciliation_runs/${id}`),
    refetchInterval: (q) => (q.state.data?.status === 'running' ? 1500 : false),
  });
  const filter = { run: id, class: cls === 'all' ? undefined : cls };
  const items = useInfiniteQuery({
    queryKey: ['reconciliation-items', filter, run.data?.status],
    enabled: !!id,
    initialPageParam: undefined as number | undefined,
    queryFn: ({ pageParam }) =>
      api<{ data: Item[]; has_more: boolean }>('/reconciliation_items', {
        query: { ...filter, limit: 50, starting_after: pageParam },
      }),
    getNextPageParam: (last) => (last.has_more ? last.data.at(-1)?.id : undefined),
  });
  const r = run.data;
  const currency = currencyOf(r?.provider ?? '');
  const money = (v: number | null) => (v === null ? '—' : f.money(v, currency));
  const rows = items.data?.pages.flatMap((p) => p.data) ?? [];

  const columns: TableColumnsType<Item> = [
    {
      title: t('item.class'),
      dataIndex: 'class',
      width: 180,
      render: (v: string) => <Tag color={CLASS_COLOR[v]}>{t(`class.${v}`)}</Tag>,
    },
    {
      title: t('item.orderNo'),
      key: 'order',
      render: (_, i) => (
        <Space orientation="vertical" size={0}>
          <Typography.Text copyable={!!i.out_trade_no}>{i.out_trade_no ?? '—'}</Typography.Text>
          {i.out_refund_no && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('item.refundNo')} {i.out_refund_no}
            </Typography.Text>
          )}
        </Space>
      ),
    },
    {
      title: t('item.transactionNo'),
      dataIndex: 'transaction_no',
      render: (v: string | null) => (
        <Typography.Text type="secondary" style={{ fontSize: 12, wordBreak: 'break-all' }}>
          {v ?? '—'}
        </Typography.Text>
      ),
    },
    {
      title: t('item.upstream'),
      dataIndex: 'upstream_amount',
      align: 'right',
      render: (v: number | null) => money(v),
    },
    {
      title: t('item.local'),
      dataIndex: 'local_amount',
      align: 'right',
      render: (v: number | null) => money(v),
    },
    {
      title: t('item.difference'),
      key: 'diff',
      align: 'right',
      render: (_, i) =>
        i.upstream_amount !== null && i.local_amount !== null && i.upstream_amount !== i.local_amount ? (
          <Typography.Text type="danger">{money(i.upstream_amount - i.local_amount)}</Typography.Text>
        ) : (
          '—'
        ),
    },
    {
      title: t('item.localStatus'),
      dataIndex: 'local_status',
      render: (v: string | null) => (v ? <Typography.Text code>{v}</Typography.Text> : '—'),
    },
    { title: t('item.fee'), dataIndex: 'fee', align: 'right', render: (v: number | null) => money(v) },
    {
      title: t('item.detail'),
      dataIndex: 'detail',
      ellipsis: { showTitle: false },
      render: (v: string) => (
        <Tooltip title={v}>
          <Typography.Text type="secondary">{v}</Typography.Text>
        </Tooltip>
      ),
    },
  ];

  return (
    <Drawer
      open={!!id}
      onClose={onClose}
      size={1100}
      title={r ? `${t('detail')} · ${r.date}` : t('detail')}
      data-testid="run-drawer"
      destroyOnHidden
    >
      {run.isError && <QueryError error={run.error} onRetry={() => run.refetch()} />}
      {r && (
        <Space orientation="vertical" size={16} style={{ width: '100%' }}>
          <Descriptions size="small" bordered column={2}>
            <Descriptions.Item label={t('col.target')}>{label(r.config, r.provider)}</Descriptions.Item>
            <Descriptions.Item label={t('col.status')}>
              <span data-testid="run-status">
                <Badge status={STATUS_COLOR[r.status] as 'success'} text={t(`status.${r.status}`)} />
              </span>
            </Descriptions.Item>
            <Descriptions.Item label={t('statement')}>
              <Typography.Text style={{ fontSize: 12 }}>{r.statement ?? '—'}</Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t('col.trigger')}>{t(`trigger.${r.trigger}`)}</Descriptions.Item>
            <Descriptions.Item label={t('col.started')}>{f.dateTime(r.started_at)}</Descriptions.Item>
            <Descriptions.Item label={t('finished')}>{f.dateTime(r.finished_at)}</Descriptions.Item>
            <Descriptions.Item label={t('col.rows')}>{r.rows_read}</Descriptions.Item>
            <Descriptions.Item label={t('col.fees')}>{money(r.fee_total)}</Descriptions.Item>
          </Descriptions>
          {r.error && (
            <Alert type={r.status === 'not_ready' ? 'warning' : 'error'} showIcon title={r.error} />
          )}
          {r.status === 'completed' && (
            <Alert
              type={mismatches(r) > 0 ? 'warning' : 'success'}
              showIcon
              title={mismatches(r) > 0 ? t('needsAttention', { n: mismatches(r) }) : t('allMatched')}
            />
          )}
          <Row gutter={[12, 12]}>
            {SUMMARY.map((c) => (
              <Col key={c} xs={12} md={6}>
                <Card
                  size="small"
                  hoverable={c !== 'matched' && c !== 'fee_recorded'}
                  onClick={() => c !== 'matched' && c !== 'fee_recorded' && setCls(c)}
                  data-testid={`count-${c}`}
                  style={cls === c ? { borderColor: '#1668dc' } : undefined}
                >
                  <Statistic
                    title={
                      <Space size={6}>
                        <Badge color={CLASS_COLOR[c]} />
                        {t(`class.${c}`)}
                      </Space>
                    }
                    value={r.counts[c] ?? 0}
                  />
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t(`classHelp.${c}`)}
                  </Typography.Text>
                </Card>
              </Col>
            ))}
          </Row>
          <Space style={{ justifyContent: 'space-between', width: '100%' }} wrap>
            <Segmented
              data-testid="class-filter"
              value={cls}
              onChange={(v) => setCls(v as ItemClass | 'all')}
              options={[
                { value: 'all', label: t('allClasses') },
                ...ITEM_CLASSES.map((c) => ({ value: c, label: `${t(`class.${c}`)} ${r.counts[c] ?? 0}` })),
              ]}
            />
            <ExportButtons path="/reconciliation_items/export" query={filter} testId="items-export" />
          </Space>
          {items.isError ? (
            <QueryError error={items.error} onRetry={() => items.refetch()} />
          ) : (
            <Table<Item>
              rowKey="id"
              size="small"
              loading={items.isPending}
              columns={columns}
              dataSource={rows}
              pagination={false}
              locale={{ emptyText: t('noItems') }}
              data-testid="items-table"
            />
          )}
          {items.hasNextPage && (
            <Button loading={items.isFetchingNextPage} onClick={() => items.fetchNextPage()}>
              {t('loadMore')}
            </Button>
          )}
        </Space>
      )}
    </Drawer>
  );
}
