import { useInfiniteQuery } from '@tanstack/react-query';
import { Button, DatePicker, Input, Select, Space, Table, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { QueryError } from '../../components/QueryError';
import { useFormat } from '../../i18n/preferences';

interface Entry {
  id: string;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  data: Record<string, unknown>;
  ip: string | null;
  created_at: string;
}
const TARGET_TYPES = [
  'user',
  'api_token',
  'app',
  'store',
  'channel_config',
  'webhook_endpoint',
  'delivery',
  'charge',
  'refund',
];

export default function AuditPage() {
  const { t } = useTranslation('audit');
  const f = useFormat();
  const [draft, setDraft] = useState<{
    action?: string;
    actor?: string;
    target_type?: string;
    target_id?: string;
    range?: [Dayjs, Dayjs];
  }>({});
  const [filter, setFilter] = useState(draft);
  const query = {
    action: filter.action?.trim(),
    actor: filter.actor?.trim(),
    target_type: filter.target_type,
    target_id: filter.target_id?.trim(),
    created_gte: filter.range?.[0]?.toISOString(),
    created_lt: filter.range?.[1]?.toISOString(),
    limit: 50,
  };
  const list = useInfiniteQuery({
    queryKey: ['audit', query],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      api<{ data: Entry[]; has_more: boolean }>('/audit_log', {
        query: { ...query, starting_after: pageParam },
      }),
    getNextPageParam: (last) => (last.has_more ? last.data.at(-1)?.id : undefined),
  });
  const rows = list.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('title')}</Typography.Title>
      <Space wrap>
        <Input
          data-testid="audit-action"
          placeholder={t('actionHint')}
          style={{ width: 240 }}
          value={draft.action}
          onChange={(e) => setDraft({ ...draft, action: e.target.value })}
        />
        <Input
          placeholder={t('actor')}
          style={{ width: 240 }}
          value={draft.actor}
          onChange={(e) => setDraft({ ...draft, actor: e.target.value })}
        />
        <Select
          allowClear
          placeholder={t('targetType')}
          style={{ width: 180 }}
          value={draft.target_type}
          onChange={(target_type) => setDraft({ ...draft, target_type })}
          options={TARGET_TYPES.map((v) => ({ value: v, label: v }))}
        />
        <Input
          placeholder={t('targetId')}
          style={{ width: 240 }}
          value={draft.target_id}
          onChange={(e) => setDraft({ ...draft, target_id: e.target.value })}
        />
        <DatePicker.RangePicker
          showTime
          value={draft.range}
          onChange={(range) => setDraft({ ...draft, range: range as [Dayjs, Dayjs] })}
        />
        <Button type="primary" data-testid="audit-search" onClick={() => setFilter(draft)}>
          {t('common:search')}
        </Button>
        <Button
          onClick={() => {
            setDraft({});
            setFilter({});
          }}
        >
          {t('common:reset')}
        </Button>
      </Space>
      {list.error ? (
        <QueryError error={list.error} onRetry={() => list.refetch()} />
      ) : (
        <Table<Entry>
          rowKey="id"
          size="small"
          loading={list.isLoading}
          dataSource={rows}
          pagination={false}
          columns={[
            { title: t('time'), width: 180, render: (_, e) => f.dateTime(e.created_at) },
            { title: t('actor'), render: (_, e) => `${e.actor_type} ${e.actor_id ?? ''}` },
            {
              title: t('action'),
              dataIndex: 'action',
              render: (v: string) => <Typography.Text code>{v}</Typography.Text>,
            },
            { title: t('targetType'), dataIndex: 'target_type' },
            { title: t('targetId'), dataIndex: 'target_id' },
            {
              title: t('data'),
              render: (_, e) => (
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {JSON.stringify(e.data)}
                </Typography.Text>
              ),
            },
            { title: t('ip'), dataIndex: 'ip' },
          ]}
        />
      )}
      {list.hasNextPage && (
        <Button loading={list.isFetchingNextPage} onClick={() => list.fetchNextPage()}>
          {t('loadMore')}
        </Button>
      )}
    </Space>
  );
}
