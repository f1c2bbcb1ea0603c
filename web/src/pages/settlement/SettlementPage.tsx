import { keepPreviousData, useQuery } from '@tanstack/react-query';
import {
  Card,
  Col,
  DatePicker,
  Row,
  Segmented,
  Select,
  Space,
  Statistic,
  Table,
  Tabs,
  Typography,
  type TableColumnsType,
} from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { useApps } from '../../components/AppSelect';
import { ExportButtons } from '../../components/ExportButtons';
import { QueryError } from '../../components/QueryError';
import { dayjs, type Dayjs } from '../../i18n/dates';
import { useFormat } from '../../i18n/preferences';
import { Chart } from '../overview/Chart';
import { currencyOf, groupBy, totals, zero, type Dimension, type ReportLine, type Totals } from './report';

type Period = 'day' | 'month';
type Row = Totals & { key: string; currency: string };

/** The default window: the last 30 days, or the last 6 months, ending today in the user's zone. */
function defaultRange(period: Period, tz: string): [Dayjs, Dayjs] {
  const today = dayjs().tz(tz);
  return period === 'day'
    ? [today.subtract(29, 'day'), today]
    : [today.subtract(5, 'month').startOf('month'), today.endOf('month')];
}

export default function SettlementPage() {
  const { t } = useTranslation('settlement');
  const common = useTranslation('common').t;
  const f = useFormat();
  const [period, setPeriod] = useState<Period>('day');
  const [range, setRange] = useState<[Dayjs, Dayjs]>(() => defaultRange('day', f.timeZone));
  const [mode, setMode] = useState<'test' | 'live'>('test');
  const [app, setApp] = useState<string>();
  const apps = useApps();
  const stores = useQuery({
    queryKey: ['stores'],
    queryFn: () => api<{ data: { id: string; name: string }[] }>('/stores'),
  });
  const from = (period === 'month' ? range[0].startOf('month') : range[0]).format('YYYY-MM-DD');
  const to = (period === 'month' ? range[1].endOf('month') : range[1]).format('YYYY-MM-DD');
  const query = { period, from, to, mode, app };
  const report = useQuery({
    queryKey: ['settlement', query],
    queryFn: () => api<{ data: ReportLine[] }>('/settlement_reports', { query }).then((r) => r.data),
    placeholderData: keepPreviousData,
  });
  const lines = useMemo(() => report.data ?? [], [report.data]);
  const sums = totals(lines);
  const main = sums.get('CNY') ?? [...sums.values()][0];
  const mainCurrency = sums.has('CNY') || sums.size === 0 ? 'CNY' : [...sums.keys()][0]!;

  const name = (by: Dimension, key: string) => {
    if (by === 'app_id') return apps.data?.find((a) => a.id === key)?.name ?? key;
    if (by === 'store_id')
      return key ? (stores.data?.data.find((s) => s.id === key)?.name ?? key) : t('noStore');
    if (by === 'channel') return t(`channel.${key}`, { defaultValue: key });
    return key;
  };

  const chart = useMemo(() => {
    // Every day (month) of the range on the axis, the quiet ones at zero: a timeline, not a list.
    const found = new Map(
      groupBy(lines, 'period')
        .filter((r) => r.currency === mainCurrency)
        .map((r) => [r.key, r]),
    );
    const unit = period === 'day' ? 'day' : 'month';
    const rows: Row[] = [];
    for (let d = dayjs(from); !d.isAfter(dayjs(to), unit) && rows.length < 800; d = d.add(1, unit)) {
      const key = d.format(period === 'day' ? 'YYYY-MM-DD' : 'YYYY-MM');
      rows.push(found.get(key) ?? { key, currency: mainCurrency, ...zero() });
    }
    const yuan = (v: number) => v / 100;
    return {
      tooltip: { trigger: 'axis' },
      legend: { bottom: 0 },
      grid: { left: 70, right: 20, top: 20, bottom: 50 },
      xAxis: { type: 'category', data: rows.map((r) => (period === 'day' ? r.key.slice(5) : r.key)) },
      yAxis: { type: 'value' },
      series: [
        {
          type: 'bar',
          name: t('col.gross'),
          data: rows.map((r) => yuan(r.gross)),
          itemStyle: { color: '#1668dc' },
        },
        {
          type: 'bar',
          name: t('col.refunded'),
          data: rows.map((r) => yuan(r.refunded)),
          itemStyle: { color: '#fa8c16' },
        },
        {
          type: 'bar',
          name: t('col.fees'),
          data: rows.map((r) => yuan(r.fees)),
          itemStyle: { color: '#8c8c8c' },
        },
        {
          type: 'line',
          name: t('col.net'),
          data: rows.map((r) => yuan(r.net)),
          smooth: true,
          itemStyle: { color: '#52c41a' },
        },
      ],
    };
  }, [lines, mainCurrency, period, from, to, t]);

  const columns = (by: Dimension): TableColumnsType<Row> => {
    const money = (field: keyof Totals) => (_: unknown, r: Row) => f.money(r[field], r.currency);
    return [
      {
        title: t(`dim.${by}`),
        key: 'key',
        render: (_, r) => (
          <Space size={6}>
            <span>{name(by, r.key)}</span>
            {r.currency !== 'CNY' && <Typography.Text type="secondary">{r.currency}</Typography.Text>}
          </Space>
        ),
      },
      { title: t('col.charges'), dataIndex: 'charges', align: 'right' },
      { title: t('col.gross'), key: 'gross', align: 'right', render: money('gross') },
      { title: t('col.refunds'), dataIndex: 'refunds', align: 'right' },
      { title: t('col.refunded'), key: 'refunded', align: 'right', render: money('refunded') },
      { title: t('col.fees'), key: 'fees', align: 'right', render: money('fees') },
      {
        title: t('col.net'),
        key: 'net',
        align: 'right',
        render: (_, r) => <strong>{f.money(r.net, r.currency)}</strong>,
      },
    ];
  };

  const table = (by: Dimension) => {
    const rows = groupBy(lines, by);
    return (
      <Table<Row>
        rowKey={(r) => `${r.key}|${r.currency}`}
        size="small"
        loading={report.isPending}
        columns={columns(by)}
        dataSource={rows}
        pagination={rows.length > 31 ? { pageSize: 31, showSizeChanger: false } : false}
        locale={{ emptyText: t('empty') }}
        data-testid={`table-${by}`}
        summary={() =>
          main && rows.length > 1 ? (
            <Table.Summary.Row style={{ fontWeight: 600 }}>
              <Table.Summary.Cell index={0}>{t('total')}</Table.Summary.Cell>
              <Table.Summary.Cell index={1} align="right">
                {main.charges}
              </Table.Summary.Cell>
              <Table.Summary.Cell index={2} align="right">
                {f.money(main.gross, mainCurrency)}
              </Table.Summary.Cell>
              <Table.Summary.Cell index={3} align="right">
                {main.refunds}
              </Table.Summary.Cell>
              <Table.Summary.Cell index={4} align="right">
                {f.money(main.refunded, mainCurrency)}
              </Table.Summary.Cell>
              <Table.Summary.Cell index={5} align="right">
                {f.money(main.fees, mainCurrency)}
              </Table.Summary.Cell>
              <Table.Summary.Cell index={6} align="right">
                {f.money(main.net, mainCurrency)}
              </Table.Summary.Cell>
            </Table.Summary.Row>
          ) : undefined
        }
      />
    );
  };

  const detailColumns: TableColumnsType<ReportLine> = [
    { title: t(`dim.period`), dataIndex: 'period', width: 110 },
    { title: t('dim.app_id'), dataIndex: 'app_id', render: (v: string) => name('app_id', v) },
    {
      title: t('dim.store_id'),
      dataIndex: 'store_id',
      render: (v: string | null) => name('store_id', v ?? ''),
    },
    { title: t('dim.channel'), dataIndex: 'channel', render: (v: string) => name('channel', v) },
    { title: t('col.charges'), dataIndex: 'charges', align: 'right' },
    {
      title: t('col.gross'),
      dataIndex: 'gross',
      align: 'right',
      render: (v, r) => f.money(v, currencyOf(r.channel)),
    },
    { title: t('col.refunds'), dataIndex: 'refunds', align: 'right' },
    {
      title: t('col.refunded'),
      dataIndex: 'refunded',
      align: 'right',
      render: (v, r) => f.money(v, currencyOf(r.channel)),
    },
    {
      title: t('col.fees'),
      dataIndex: 'fees',
      align: 'right',
      render: (v, r) => f.money(v, currencyOf(r.channel)),
    },
    {
      title: t('col.net'),
      dataIndex: 'net',
      align: 'right',
      render: (v, r) => <strong>{f.money(v, currencyOf(r.channel))}</strong>,
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
      <Card size="small">
        <Space wrap size={[12, 12]} style={{ justifyContent: 'space-between', width: '100%' }}>
          <Space wrap size={[12, 12]}>
            <Segmented
              data-testid="period"
              value={period}
              onChange={(p) => {
                setPeriod(p as Period);
                setRange(defaultRange(p as Period, f.timeZone));
              }}
              options={[
                { value: 'day', label: t('daily') },
                { value: 'month', label: t('monthly') },
              ]}
            />
            <DatePicker.RangePicker
              data-testid="range"
              picker={period === 'month' ? 'month' : 'date'}
              allowClear={false}
              value={range}
              onChange={(r) => r?.[0] && r[1] && setRange([r[0], r[1]])}
            />
            <Select
              allowClear
              data-testid="app-filter"
              placeholder={t('allApps')}
              style={{ width: 220 }}
              value={app}
              onChange={setApp}
              options={(apps.data ?? []).map((a) => ({ value: a.id, label: a.name }))}
            />
            <Segmented
              value={mode}
              onChange={(m) => setMode(m as 'test' | 'live')}
              options={[
                { value: 'test', label: common('mode.test') },
                { value: 'live', label: common('mode.live') },
              ]}
            />
          </Space>
          <ExportButtons path="/settlement_reports/export" query={query} testId="settlement-export" />
        </Space>
      </Card>
      {report.isError ? (
        <QueryError error={report.error} onRetry={() => report.refetch()} />
      ) : (
        <>
          <Row gutter={[16, 16]} data-testid="settlement-totals">
            {(['gross', 'refunded', 'fees', 'net'] as const).map((field) => (
              <Col xs={12} xl={6} key={field}>
                <Card size="small" loading={report.isPending}>
                  <Statistic
                    title={t(`col.${field}`)}
                    value={f.money(main?.[field] ?? 0, mainCurrency)}
                    styles={field === 'net' ? { content: { color: '#389e0d' } } : undefined}
                  />
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {field === 'gross'
                      ? t('grossCount', { n: main?.charges ?? 0 })
                      : field === 'refunded'
                        ? t('refundCount', { n: main?.refunds ?? 0 })
                        : t(field === 'fees' ? 'feesHelp' : 'netHelp')}
                  </Typography.Text>
                </Card>
              </Col>
            ))}
          </Row>
          <Card size="small" title={period === 'day' ? t('chartDaily') : t('chartMonthly')}>
            <Chart option={chart} height={300} />
          </Card>
          <Card size="small">
            <Tabs
              items={[
                {
                  key: 'period',
                  label: period === 'day' ? t('byDay') : t('byMonth'),
                  children: table('period'),
                },
                { key: 'app_id', label: t('byApp'), children: table('app_id') },
                { key: 'store_id', label: t('byStore'), children: table('store_id') },
                { key: 'channel', label: t('byChannel'), children: table('channel') },
                {
                  key: 'lines',
                  label: t('lines'),
                  children: (
                    <Table<ReportLine>
                      rowKey={(r) => `${r.period}|${r.app_id}|${r.store_id}|${r.channel}`}
                      size="small"
                      columns={detailColumns}
                      dataSource={lines}
                      pagination={{ pageSize: 50, showSizeChanger: false, hideOnSinglePage: true }}
                      locale={{ emptyText: t('empty') }}
                    />
                  ),
                },
              ]}
            />
          </Card>
        </>
      )}
    </Space>
  );
}
