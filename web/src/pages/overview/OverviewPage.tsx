import { useQuery } from '@tanstack/react-query';
import { Card, Col, Empty, List, Row, Segmented, Space, Statistic, Tag, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { api } from '../../api/client';
import { mismatches, type Run } from '../reconciliation/types';
import { QueryError } from '../../components/QueryError';
import { useFormat } from '../../i18n/preferences';
import { Chart } from './Chart';

interface Bucket {
  currency: string;
  count: number;
  paid: number;
  success_rate: number;
  amount: number;
  refunded: number;
  refunds: number;
}

interface Overview {
  today: Bucket[];
  last_7_days: Bucket[];
  last_30_days: Bucket[];
  by_channel: (Bucket & { channel: string; method: string })[];
  by_day: (Bucket & { day: string })[];
  failing_endpoints: {
    id: string;
    url: string;
    failing_since: string | null;
    consecutive_failures: number;
  }[];
  awaiting_outcome: {
    id: string;
    order_no: string;
    channel: string;
    method: string;
    amount: number;
    currency: string;
    created_at: string;
    poll_attempts: number;
  }[];
}

const PERIODS = ['today', 'last_7_days', 'last_30_days'] as const;
const PERIOD_LABEL = { today: 'today', last_7_days: 'd7', last_30_days: 'd30' } as const;

export default function OverviewPage() {
  const { t } = useTranslation('overview');
  const tx = useTranslation('transactions').t;
  const common = useTranslation('common').t;
  const f = useFormat();
  const [mode, setMode] = useState<'test' | 'live'>('test');
  const report = useQuery({
    queryKey: ['overview', mode, f.timeZone],
    queryFn: () => api<Overview>('/reports/overview', { query: { mode, tz: f.timeZone } }),
    refetchInterval: 30_000,
  });
  // Reconciliation differences still open: the latest runs that found any, in this mode.
  const runs = useQuery({
    queryKey: ['overview-reconciliation'],
    queryFn: () =>
      api<{ data: Run[] }>('/reconciliation_runs', { query: { status: 'completed', limit: 50 } }).then(
        (r) => r.data,
      ),
    refetchInterval: 60_000,
  });
  const latestRuns = (runs.data ?? []).filter(
    (r, i, all) =>
      r.livemode === (mode === 'live') &&
      all.findIndex((x) => x.config === r.config && x.date === r.date) === i,
  );
  const differing = latestRuns.filter((r) => mismatches(r) > 0);
  const open = differing.reduce((sum, r) => sum + mismatches(r), 0);
  const data = report.data;
  // The main currency: the one with the most charges in 30 days (CNY for a Chinese merchant).
  const currency = data?.last_30_days.slice().sort((a, b) => b.count - a.count)[0]?.currency ?? 'CNY';
  const pick = (rows: Bucket[] | undefined) => rows?.find((r) => r.currency === currency);

  const byDay = useMemo(() => {
    const rows = (data?.by_day ?? []).filter((r) => r.currency === currency);
    return {
      tooltip: { trigger: 'axis' },
      grid: { left: 60, right: 20, top: 20, bottom: 30 },
      xAxis: { type: 'category', data: rows.map((r) => r.day.slice(5)) },
      yAxis: { type: 'value' },
      series: [
        {
          type: 'bar',
          name: t('amount'),
          data: rows.map((r) => r.amount / 100),
          itemStyle: { color: '#1668dc' },
        },
      ],
    };
  }, [data, currency, t]);
  const byChannel = useMemo(
    () => ({
      tooltip: { trigger: 'item' },
      legend: { type: 'scroll', bottom: 0 },
      series: [
        {
          type: 'pie',
          radius: ['40%', '70%'],
          data: (data?.by_channel ?? [])
            .filter((r) => r.currency === currency)
            .map((r) => ({
              name: tx(`product.${r.channel}.${r.method}`, { defaultValue: `${r.channel} ${r.method}` }),
              value: r.count,
            })),
        },
      ],
    }),
    [data, currency, tx],
  );

  if (report.isError) return <QueryError error={report.error} onRetry={() => report.refetch()} />;
  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Space style={{ justifyContent: 'space-between', width: '100%' }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('title')}
        </Typography.Title>
        <Segmented
          value={mode}
          onChange={(m) => setMode(m as 'test' | 'live')}
          options={[
            { value: 'test', label: common('mode.test') },
            { value: 'live', label: common('mode.live') },
          ]}
        />
      </Space>
      <Row gutter={[16, 16]}>
        {PERIODS.map((period) => {
          const b = pick(data?.[period]);
          return (
            <Col xs={24} lg={8} key={period}>
              <Card
                title={t(PERIOD_LABEL[period])}
                loading={report.isPending}
                size="small"
                data-testid={`stat-${period}`}
              >
                <Row gutter={16}>
                  <Col span={12}>
                    <Statistic title={t('amount')} value={f.money(b?.amount ?? 0, currency)} />
                  </Col>
                  <Col span={12}>
                    <Statistic title={t('count')} value={b?.count ?? 0} />
                  </Col>
                  <Col span={12} style={{ marginTop: 12 }}>
                    <Statistic
                      title={t('successRate')}
                      value={((b?.success_rate ?? 0) * 100).toFixed(1)}
                      suffix="%"
                    />
                  </Col>
                  <Col span={12} style={{ marginTop: 12 }}>
                    <Statistic
                      title={t('refunds')}
                      value={t('refundsValue', {
                        count: b?.refunds ?? 0,
                        amount: f.money(b?.refunded ?? 0, currency),
                      })}
                      styles={{ content: { fontSize: 16 } }}
                    />
                  </Col>
                </Row>
              </Card>
            </Col>
          );
        })}
      </Row>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={14}>
          <Card title={t('byDay')} size="small">
            <Chart option={byDay} />
          </Card>
        </Col>
        <Col xs={24} xl={10}>
          <Card title={t('byChannel')} size="small">
            <Chart option={byChannel} />
          </Card>
        </Col>
      </Row>
      <Row gutter={[16, 16]}>
        <Col xs={24}>
          <Card
            title={t('reconciliation')}
            size="small"
            data-testid="overview-mismatches"
            loading={runs.isPending}
            extra={<Link to="/reconciliation">{t('reconciliationOpen')}</Link>}
          >
            <Row gutter={16} align="middle">
              <Col xs={24} md={6}>
                <Statistic
                  title={t('mismatches')}
                  value={open}
                  styles={{ content: { color: open > 0 ? '#cf1322' : '#389e0d' } }}
                />
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {t('mismatchRuns', { n: latestRuns.length })}
                </Typography.Text>
              </Col>
              <Col xs={24} md={18}>
                <List
                  size="small"
                  dataSource={differing.slice(0, 5)}
                  locale={{
                    emptyText: (
                      <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('mismatchesEmpty')} />
                    ),
                  }}
                  renderItem={(r) => (
                    <List.Item>
                      <Link to={`/reconciliation?run=${r.id}`}>
                        {r.date} · {t(`provider.${r.provider}`, { defaultValue: r.provider })}
                      </Link>
                      <Tag color="red">{t('mismatchCount', { n: mismatches(r) })}</Tag>
                    </List.Item>
                  )}
                />
              </Col>
            </Row>
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          <Card title={t('failing')} size="small">
            <List
              dataSource={data?.failing_endpoints ?? []}
              locale={{
                emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('failingEmpty')} />,
              }}
              renderItem={(e) => (
                <List.Item>
                  <Typography.Text style={{ wordBreak: 'break-all' }}>{e.url}</Typography.Text>
                  <Tag color="red">{t('failures', { n: e.consecutive_failures })}</Tag>
                </List.Item>
              )}
            />
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          <Card title={t('awaiting')} size="small">
            <List
              dataSource={data?.awaiting_outcome ?? []}
              locale={{
                emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('awaitingEmpty')} />,
              }}
              renderItem={(c) => (
                <List.Item>
                  <span>
                    {c.order_no} · {f.money(c.amount, c.currency)} · {f.dateTime(c.created_at)}
                  </span>
                  <Tag>{t('polls', { n: c.poll_attempts })}</Tag>
                </List.Item>
              )}
            />
          </Card>
        </Col>
      </Row>
    </Space>
  );
}
