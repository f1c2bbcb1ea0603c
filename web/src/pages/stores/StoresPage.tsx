import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App as AntApp, Button, Drawer, Input, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { Can } from '../../auth/Can';
import { AppSelect } from '../../components/AppSelect';
import { QueryError } from '../../components/QueryError';
import { useFormat } from '../../i18n/preferences';
import { StoreKeys } from './StoreKeys';
import { StoreQrCodes } from './StoreQrCodes';

interface Store {
  id: string;
  name: string;
  mode: 'test' | 'live';
  open_id: string;
  created_at: string;
}
interface Member {
  id: string;
  name?: string;
  serial?: string;
  created_at: string;
  disabled_at: string | null;
}

export default function StoresPage() {
  const { t } = useTranslation('stores');
  const f = useFormat();
  const queryClient = useQueryClient();
  const [appId, setAppId] = useState<string>();
  const [name, setName] = useState('');
  const [openKey, setOpenKey] = useState<string>();
  const [managing, setManaging] = useState<string>();
  const list = useQuery({
    queryKey: ['stores', appId],
    enabled: Boolean(appId),
    queryFn: () => api<{ data: Store[] }>('/stores', { query: { app: appId } }).then((r) => r.data),
  });
  const create = useMutation({
    mutationFn: () =>
      api<Store & { open_key: string }>('/stores', {
        method: 'POST',
        body: { app: appId, name: name.trim() },
      }),
    onSuccess: async (store) => {
      setOpenKey(store.open_key);
      setName('');
      await queryClient.invalidateQueries({ queryKey: ['stores'] });
    },
  });
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('title')}</Typography.Title>
      <Space wrap>
        <AppSelect value={appId} onChange={setAppId} />
        <Can permission="apps.write">
          <Space>
            <Input
              placeholder={t('name')}
              value={name}
              maxLength={200}
              onChange={(e) => setName(e.target.value)}
            />
            <Button
              type="primary"
              disabled={!name.trim()}
              loading={create.isPending}
              onClick={() => create.mutate()}
            >
              {t('create')}
            </Button>
          </Space>
        </Can>
      </Space>
      {create.error && <Alert type="error" showIcon title={create.error.message} />}
      {openKey && (
        <Alert
          type="warning"
          showIcon
          closable
          title={t('created')}
          description={
            <Typography.Text code copyable>
              {openKey}
            </Typography.Text>
          }
        />
      )}
      {list.error ? (
        <QueryError error={list.error} onRetry={() => list.refetch()} />
      ) : (
        <Table<Store>
          rowKey="id"
          loading={list.isLoading}
          dataSource={list.data}
          pagination={false}
          columns={[
            { title: t('name'), dataIndex: 'name', render: (v: string) => <b>{v}</b> },
            { title: t('mode'), render: (_, s) => <Tag>{t(`common:mode.${s.mode}`)}</Tag> },
            {
              title: t('openId'),
              dataIndex: 'open_id',
              render: (v: string) => <Typography.Text code>{v}</Typography.Text>,
            },
            { title: t('createdAt'), render: (_, s) => f.dateTime(s.created_at) },
            {
              title: t('common:actions'),
              render: (_, s) => (
                <Button size="small" data-testid="manage-store" onClick={() => setManaging(s.id)}>
                  {t('manage')}
                </Button>
              ),
            },
          ]}
        />
      )}
      {managing && <StoreDrawer id={managing} onClose={() => setManaging(undefined)} />}
    </Space>
  );
}

function StoreDrawer({ id, onClose }: { id: string; onClose: () => void }) {
  const { t } = useTranslation('stores');
  const f = useFormat();
  const { message } = AntApp.useApp();
  const queryClient = useQueryClient();
  const [name, setName] = useState<string>();
  const [cashier, setCashier] = useState('');
  const [serial, setSerial] = useState('');
  const detail = useQuery({
    queryKey: ['store', id],
    queryFn: () => api<Store & { cashiers: Member[]; terminals: Member[] }>(`/stores/${id}`),
  });
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: ['store', id] });
    await queryClient.invalidateQueries({ queryKey: ['stores'] });
  };
  const act = useMutation({
    mutationFn: (call: { path: string; method: 'POST' | 'PATCH'; body?: unknown }) =>
      api(call.path, { method: call.method, body: call.body }),
    onSuccess: async () => {
      message.success(t('saved'));
      setCashier('');
      setSerial('');
      await refresh();
    },
    onError: (error) => message.error(error.message),
  });
  const members = (kind: 'cashiers' | 'terminals', rows: Member[] = []) => (
    <Table<Member>
      rowKey="id"
      size="small"
      pagination={false}
      dataSource={rows}
      columns={[
        { title: kind === 'cashiers' ? t('cashierName') : t('serial'), render: (_, m) => m.name ?? m.serial },
        {
          title: t('status'),
          render: (_, m) =>
            m.disabled_at ? <Tag>{t('disabled')}</Tag> : <Tag color="green">{t('active')}</Tag>,
        },
        { title: t('createdAt'), render: (_, m) => f.dateTime(m.created_at) },
        {
          title: t('common:actions'),
          render: (_, m) => (
            <Can permission="apps.write">
              <Button
                size="small"
                danger={!m.disabled_at}
                onClick={() =>
                  act.mutate({
                    path: `/stores/${id}/${kind}/${m.id}/${m.disabled_at ? 'enable' : 'disable'}`,
                    method: 'POST',
                  })
                }
              >
                {m.disabled_at ? t('enable') : t('disable')}
              </Button>
            </Can>
          ),
        },
      ]}
    />
  );
  if (detail.error) return <QueryError error={detail.error} onRetry={() => detail.refetch()} />;
  const store = detail.data;
  return (
    <Drawer open size="large" title={store?.name} onClose={onClose}>
      {store && (
        <Space orientation="vertical" size="large" style={{ width: '100%' }}>
          <Can permission="apps.write">
            <Space>
              <Input value={name ?? store.name} maxLength={200} onChange={(e) => setName(e.target.value)} />
              <Button
                disabled={!name?.trim()}
                onClick={() =>
                  act.mutate({ path: `/stores/${id}`, method: 'PATCH', body: { name: name!.trim() } })
                }
              >
                {t('rename')}
              </Button>
            </Space>
          </Can>
          <Can permission="credentials.rotate">
            <StoreKeys storeId={id} />
          </Can>
          <StoreQrCodes storeId={id} />
          <Typography.Title level={5}>{t('cashiers')}</Typography.Title>
          <Can permission="apps.write">
            <Space>
              <Input
                placeholder={t('cashierName')}
                value={cashier}
                maxLength={100}
                onChange={(e) => setCashier(e.target.value)}
              />
              <Button
                disabled={!cashier.trim()}
                onClick={() =>
                  act.mutate({
                    path: `/stores/${id}/cashiers`,
                    method: 'POST',
                    body: { name: cashier.trim() },
                  })
                }
              >
                {t('add')}
              </Button>
            </Space>
          </Can>
          {members('cashiers', store.cashiers)}
          <Typography.Title level={5}>{t('terminals')}</Typography.Title>
          <Can permission="apps.write">
            <Space>
              <Input
                placeholder={t('serial')}
                value={serial}
                maxLength={100}
                onChange={(e) => setSerial(e.target.value)}
              />
              <Button
                disabled={!serial.trim()}
                onClick={() =>
                  act.mutate({
                    path: `/stores/${id}/terminals`,
                    method: 'POST',
                    body: { serial: serial.trim() },
                  })
                }
              >
                {t('add')}
              </Button>
            </Space>
          </Can>
          {members('terminals', store.terminals)}
        </Space>
      )}
    </Drawer>
  );
}
