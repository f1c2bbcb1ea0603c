import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App as AntApp, Button, Modal, Segmented, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { Can } from '../../auth/Can';
import { AppSelect } from '../../components/AppSelect';
import { QueryError } from '../../components/QueryError';
import { useFormat } from '../../i18n/preferences';
import { ImportKeysForm } from './ImportKeysForm';

interface Credential {
  id: string;
  kind: string;
  mode: 'test' | 'live';
  public_id: string;
  attrs: Record<string, unknown>;
  created_at?: string;
  secrets?: Record<string, string>;
}

export default function AppsPage() {
  const { t } = useTranslation('apps');
  const f = useFormat();
  const { modal } = AntApp.useApp();
  const queryClient = useQueryClient();
  const [appId, setAppId] = useState<string>();
  const [mode, setMode] = useState<'test' | 'live'>('test');
  const [secrets, setSecrets] = useState<{ title: string; data: unknown }>();
  const [importing, setImporting] = useState(false);
  const app = useQuery({
    queryKey: ['app', appId],
    enabled: Boolean(appId),
    queryFn: () => api<{ id: string; name: string; credentials: Credential[] }>(`/apps/${appId}`),
  });
  const reveal = useMutation({
    mutationFn: () =>
      api<{ data: Credential[] }>(`/apps/${appId}/credentials/reveal`, { method: 'POST', body: { mode } }),
    onSuccess: (answer) =>
      setSecrets({
        title: t('secrets'),
        data: Object.fromEntries(answer.data.map((c) => [c.kind, c.secrets])),
      }),
  });
  const rotate = useMutation({
    mutationFn: () =>
      api<{ credentials: unknown }>(`/apps/${appId}/credentials/rotate`, { method: 'POST', body: { mode } }),
    onSuccess: async (answer) => {
      setSecrets({ title: t('rotated'), data: answer.credentials });
      await queryClient.invalidateQueries({ queryKey: ['app', appId] });
    },
  });
  const rows = (app.data?.credentials ?? []).filter((c) => c.mode === mode);
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('intro')}</Typography.Paragraph>
      <Space wrap>
        <AppSelect value={appId} onChange={setAppId} />
        <Segmented
          value={mode}
          onChange={(v) => setMode(v as 'test' | 'live')}
          options={['test', 'live'].map((m) => ({ value: m, label: t(`common:mode.${m}`) }))}
        />
        <Can permission="credentials.reveal">
          <Button
            data-testid="reveal"
            disabled={rows.length === 0}
            loading={reveal.isPending}
            onClick={() => modal.confirm({ title: t('revealConfirm'), onOk: () => reveal.mutateAsync() })}
          >
            {t('reveal')}
          </Button>
        </Can>
        <Can permission="credentials.rotate">
          <Button
            danger
            data-testid="rotate"
            loading={rotate.isPending}
            onClick={() =>
              modal.confirm({
                title: t('rotateConfirm', { mode: t(`common:mode.${mode}`) }),
                okButtonProps: { danger: true },
                onOk: () => rotate.mutateAsync(),
              })
            }
          >
            {t('rotate')}
          </Button>
          <Button data-testid="import-keys" disabled={!appId} onClick={() => setImporting(true)}>
            {t('importKeys')}
          </Button>
        </Can>
      </Space>
      {(reveal.error || rotate.error) && (
        <Alert type="error" showIcon title={(reveal.error ?? rotate.error)!.message} />
      )}
      {app.error ? (
        <QueryError error={app.error} onRetry={() => app.refetch()} />
      ) : (
        <Table<Credential>
          rowKey="id"
          loading={app.isLoading}
          dataSource={rows}
          pagination={false}
          // Fixed layout: a PEM key in the public parameters is ellipsized instead of
          // stretching the page several screens wide.
          tableLayout="fixed"
          locale={{ emptyText: t('none') }}
          columns={[
            { title: t('kind'), dataIndex: 'kind', width: 110, render: (v: string) => <b>{v}</b> },
            {
              title: t('publicId'),
              dataIndex: 'public_id',
              width: 320,
              render: (v: string) => (
                <Typography.Text code copyable>
                  {v}
                </Typography.Text>
              ),
            },
            {
              title: t('attrs'),
              render: (_, c) => (
                <Typography.Text
                  type="secondary"
                  style={{ fontSize: 12 }}
                  ellipsis={{ tooltip: JSON.stringify(c.attrs) }}
                >
                  {JSON.stringify(c.attrs)}
                </Typography.Text>
              ),
            },
            { title: t('createdAt'), width: 190, render: (_, c) => f.dateTime(c.created_at) },
          ]}
        />
      )}
      {importing && appId && (
        <ImportKeysForm
          appId={appId}
          mode={mode}
          onClose={() => setImporting(false)}
          onImported={async (answer) => {
            setImporting(false);
            // Shown once: a generated Paymax platform key appears only in this answer.
            setSecrets({ title: t('imported'), data: answer });
            await queryClient.invalidateQueries({ queryKey: ['app', appId] });
          }}
        />
      )}
      <Modal
        open={Boolean(secrets)}
        title={secrets?.title}
        footer={null}
        width={720}
        onCancel={() => setSecrets(undefined)}
      >
        <pre
          data-testid="revealed-secrets"
          style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all', maxHeight: 480, overflow: 'auto' }}
        >
          {JSON.stringify(secrets?.data, null, 2)}
        </pre>
      </Modal>
    </Space>
  );
}
