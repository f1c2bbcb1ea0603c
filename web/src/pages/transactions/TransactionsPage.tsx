import { DownloadOutlined, SearchOutlined, SyncOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import {
  App,
  Button,
  Card,
  DatePicker,
  Input,
  Progress,
  Segmented,
  Select,
  Space,
  Table,
  Tag,
  Typography,
  type TableColumnsType,
} from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, download } from '../../api/client';
import { QueryError } from '../../components/QueryError';
import { dayjs } from '../../i18n/dates';
import { useFormat } from '../../i18n/preferences';
import { ChargeDrawer } from './ChargeDrawer';
import { filterQuery, type Filters } from './filters';
import { StatusTag } from './StatusTag';
import { PENDING, PRODUCTS, STATES, type Charge, type ChargePage, type State } from './types';

const PAGE_SIZE = 20;

export default function TransactionsPage() {
  const { t } = useTranslation('transactions');
  const f = useFormat();
  const { message } = App.useApp();
  const [filters, setFilters] = useState<Filters>({ time: '30d' });
  const [search, setSearch] = useState('');
  // Keyset paging: the cursors of the pages before this one, so "previous" is exact too.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [open, setOpen] = useState<string>();
  const [exporting, setExporting] = useState<{ format: string; bytes: number; done: boolean }>();
  // The preset's range is computed when the filters change, so polling keeps the same window.
  const query = useMemo(() => filterQuery(filters, f.timeZone), [filters, f.timeZone]);
  const cursor = cursors[cursors.length - 1];

  const stores = useQuery({
    queryKey: ['stores'],
    queryFn: () => api<{ data: { id: string; name: string }[] }>('/stores'),
  });
  const list = useQuery({
    queryKey: ['charges', query, cursor],
    queryFn: () => api<ChargePage>('/charges', { query: { ...query, limit: PAGE_SIZE, cursor } }),
    placeholderData: keepPreviousData,
    // Live status: while a row on screen waits for its payer, ask again every few seconds.
    refetchInterval: (q) => (q.state.data?.data.some((c) => PENDING.has(c.status)) ? 3000 : false),
  });

  const change = (patch: Partial<Filters>) => {
    setFilters((current) => ({ ...current, ...patch }));
    setCursors([undefined]);
  };

  async function exportList(format: 'csv' | 'xlsx') {
    setExporting({ format, bytes: 0, done: false });
    try {
      const { blob, filename } = await download(
        '/charges/export',
        { ...query, format, lang: f.language, tz: f.timeZone },
        (bytes) => setExporting({ format, bytes, done: false }),
      );
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = filename;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setExporting({ format, bytes: blob.size, done: true });
    } catch (error) {
      setExporting(undefined);
      message.error((error as Error).message);
    }
  }

  const columns: TableColumnsType<Charge> = [
    { title: t('col.created'), dataIndex: 'created_at', width: 170, render: (v: string) => f.dateTime(v) },
    {
      title: t('col.orderNo'),
      dataIndex: 'order_no',
      render: (v: string, c) => (
        <Typography.Link onClick={() => setOpen(c.id)} data-testid="order-link">
          {v}
        </Typography.Link>
      ),
    },
    {
      title: t('col.id'),
      dataIndex: 'id',
      render: (v: string) => (
        <Typography.Text type="secondary" copyable={{ text: v }}>
          {v.slice(0, 11)}…
        </Typography.Text>
      ),
    },
    {
      title: t('col.product'),
      key: 'product',
      render: (_, c) => t(`product.${c.channel}.${c.method}`, { defaultValue: `${c.channel} ${c.method}` }),
    },
    {
      title: t('col.amount'),
      dataIndex: 'amount',
      align: 'right',
      render: (v: number, c) => <strong>{f.money(v, c.currency)}</strong>,
    },
    {
      title: t('col.refunded'),
      dataIndex: 'amount_refunded',
      align: 'right',
      render: (v: number, c) => (v > 0 ? f.money(v, c.currency) : '—'),
    },
    {
      title: t('col.status'),
      dataIndex: 'status',
      render: (_, c) => (
        <Space size={4}>
          <StatusTag charge={c} />
          {!c.livemode && <Tag>{f.language === 'zh-CN' ? '测试' : 'Test'}</Tag>}
        </Space>
      ),
    },
  ];

  const pending = list.data?.data.some((c) => PENDING.has(c.status));

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('title')}
      </Typography.Title>
      <Card size="small">
        <Space wrap size={[12, 12]}>
          <Select
            data-testid="filter-status"
            allowClear
            placeholder={t('filters.status')}
            style={{ width: 150 }}
            value={filters.state}
            onChange={(state: State | undefined) => change({ state })}
            options={Object.keys(STATES).map((s) => ({ value: s, label: t(`state.${s}`) }))}
          />
          <Select
            data-testid="filter-product"
            allowClear
            showSearch={{ optionFilterProp: 'label' }}
            placeholder={t('filters.product')}
            style={{ width: 200 }}
            value={filters.product}
            onChange={(product: string | undefined) => change({ product })}
            options={PRODUCTS.map((p) => ({ value: p, label: t(`product.${p}`) }))}
          />
          <Select
            data-testid="filter-store"
            allowClear
            placeholder={t('filters.store')}
            style={{ width: 180 }}
            value={filters.store}
            onChange={(store: string | undefined) => change({ store })}
            options={stores.data?.data.map((s) => ({ value: s.id, label: s.name })) ?? []}
          />
          <Segmented
            data-testid="filter-time"
            value={filters.time}
            onChange={(time) => change({ time: time as Filters['time'] })}
            options={[
              { value: 'today', label: t('filters.today') },
              { value: '7d', label: t('filters.d7') },
              { value: '30d', label: t('filters.d30') },
              { value: '60d', label: t('filters.d60') },
              { value: 'custom', label: t('filters.custom') },
            ]}
          />
          {filters.time === 'custom' && (
            <DatePicker.RangePicker
              value={filters.range ? [dayjs(filters.range[0]), dayjs(filters.range[1])] : undefined}
              onChange={(r) =>
                change({
                  range: r?.[0] && r[1] ? [r[0].format('YYYY-MM-DD'), r[1].format('YYYY-MM-DD')] : undefined,
                })
              }
            />
          )}
          <Input.Search
            data-testid="filter-search"
            allowClear
            placeholder={t('filters.search')}
            style={{ width: 320 }}
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            onSearch={(value) => change({ search: value })}
            enterButton={<SearchOutlined />}
          />
        </Space>
      </Card>
      <Card
        size="small"
        title={
          pending ? (
            <Typography.Text type="secondary">
              <SyncOutlined spin /> {t('refreshing')}
            </Typography.Text>
          ) : undefined
        }
        extra={
          <Space>
            {exporting && (
              <Space data-testid="export-progress">
                {!exporting.done && (
                  <Progress type="circle" size={20} percent={99} status="active" showInfo={false} />
                )}
                <Typography.Text type="secondary">
                  {exporting.done
                    ? t('exported', { size: kb(exporting.bytes) })
                    : `${t('exporting')} ${t('received', { size: kb(exporting.bytes) })}`}
                </Typography.Text>
              </Space>
            )}
            <Button icon={<DownloadOutlined />} onClick={() => exportList('csv')} data-testid="export-csv">
              {t('exportCsv')}
            </Button>
            <Button icon={<DownloadOutlined />} onClick={() => exportList('xlsx')} data-testid="export-xlsx">
              {t('exportXlsx')}
            </Button>
          </Space>
        }
      >
        {list.isError ? (
          <QueryError error={list.error} onRetry={() => list.refetch()} />
        ) : (
          <Table<Charge>
            rowKey="id"
            size="middle"
            loading={list.isPending}
            columns={columns}
            dataSource={list.data?.data}
            pagination={false}
            locale={{ emptyText: t('empty') }}
            onRow={(c) => ({ onDoubleClick: () => setOpen(c.id) })}
          />
        )}
        <Space style={{ marginTop: 12, justifyContent: 'flex-end', width: '100%' }}>
          <Button disabled={cursors.length === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
            {t('prev')}
          </Button>
          <Typography.Text>{t('page', { n: cursors.length })}</Typography.Text>
          <Button
            disabled={!list.data?.has_more}
            onClick={() => setCursors((c) => [...c, list.data?.next_cursor ?? undefined])}
          >
            {t('next')}
          </Button>
        </Space>
      </Card>
      <ChargeDrawer id={open} onClose={() => setOpen(undefined)} />
    </Space>
  );
}

function kb(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
