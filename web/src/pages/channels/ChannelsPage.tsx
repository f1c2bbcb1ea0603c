import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App as AntApp,
  Button,
  Card,
  Checkbox,
  Descriptions,
  Drawer,
  Form,
  Input,
  Segmented,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../../api/client';
import { Can } from '../../auth/Can';
import { AppSelect } from '../../components/AppSelect';
import { QueryError } from '../../components/QueryError';
import { useFormat } from '../../i18n/preferences';
import { ImportConfigs } from './ImportConfigs';

interface Field {
  name: string;
  group: 'settings' | 'secrets';
  kind: string;
  required: boolean;
  choices?: string[];
  fromPkcs12?: 'key' | 'certificate';
  when?: { setting: string; equals: string };
}
interface Config {
  id: string;
  provider: string;
  mode: 'test' | 'live';
  enabled: boolean;
  settings: Record<string, unknown>;
  secrets_set: string[];
  updated_at: string;
}
export interface ConnectionTest {
  ok: boolean;
  stage: 'config' | 'upstream' | 'answered';
  order_no: string;
  result: { status: string; failure_code?: string; failure_message?: string } | null;
  error: { code: string; message: string } | null;
  latency_ms: number;
  message: string;
}

const PROVIDERS = ['alipay', 'wechatpay', 'unionpay', 'applepay', 'paypal', 'lakala'];
const LONG = new Set(['private_key', 'public_key', 'certificate', 'certificate_or_public_key']);

export default function ChannelsPage() {
  const { t } = useTranslation('channels');
  const f = useFormat();
  const [appId, setAppId] = useState<string>();
  const [mode, setMode] = useState<'test' | 'live'>('test');
  const [editing, setEditing] = useState<string>();
  const [tested, setTested] = useState<Record<string, ConnectionTest>>({});
  const [importing, setImporting] = useState(false);
  const fields = useQuery({
    queryKey: ['channel-fields'],
    queryFn: () => api<{ data: Record<string, Field[]> }>('/channel_configs/fields').then((r) => r.data),
  });
  const configs = useQuery({
    queryKey: ['channel-configs', appId],
    enabled: Boolean(appId),
    queryFn: () => api<{ data: Config[] }>('/channel_configs', { query: { app: appId } }).then((r) => r.data),
  });
  const test = useMutation({
    mutationFn: (id: string) => api<ConnectionTest>(`/channel_configs/${id}/test`, { method: 'POST' }),
    onSuccess: (answer, id) => setTested((all) => ({ ...all, [id]: answer })),
  });
  const configOf = (provider: string) =>
    configs.data?.find((c) => c.provider === provider && c.mode === mode);

  if (configs.error || fields.error)
    return <QueryError error={configs.error ?? fields.error} onRetry={() => configs.refetch()} />;
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('intro')}</Typography.Paragraph>
      <Space wrap>
        <span>{t('app')}</span>
        <AppSelect value={appId} onChange={setAppId} />
        <Segmented
          data-testid="mode-switch"
          value={mode}
          onChange={(v) => setMode(v as 'test' | 'live')}
          options={[
            { value: 'test', label: t('common:mode.test') },
            { value: 'live', label: t('common:mode.live') },
          ]}
        />
        <Can permission="channels.write">
          <Button data-testid="import-configs" onClick={() => setImporting(true)}>
            {t('importButton')}
          </Button>
        </Can>
      </Space>
      <ImportConfigs open={importing} onClose={() => setImporting(false)} />
      <Table<string>
        rowKey={(p) => p}
        loading={configs.isLoading}
        pagination={false}
        dataSource={PROVIDERS}
        columns={[
          { title: t('channel'), render: (_, p) => <b>{t(`provider.${p}`)}</b> },
          {
            title: t('status'),
            render: (_, p) => {
              const c = configOf(p);
              if (!c) return <Tag>{t('notConfigured')}</Tag>;
              return (
                <Space>
                  <Tag color={c.enabled ? 'green' : 'default'}>
                    {c.enabled ? t('enabled') : t('disabled')}
                  </Tag>
                  {c.settings.simulator === true && <Tag color="blue">{t('simulator')}</Tag>}
                </Space>
              );
            },
          },
          { title: t('updatedAt'), render: (_, p) => f.dateTime(configOf(p)?.updated_at) },
          {
            title: t('common:actions'),
            render: (_, p) => {
              const c = configOf(p);
              return (
                <Can permission="channels.write">
                  <Space>
                    <Button data-testid={`configure-${p}`} onClick={() => setEditing(p)}>
                      {t('configure')}
                    </Button>
                    {c && (
                      <Button
                        data-testid={`test-${p}`}
                        loading={test.isPending && test.variables === c.id}
                        onClick={() => test.mutate(c.id)}
                      >
                        {t('test')}
                      </Button>
                    )}
                  </Space>
                </Can>
              );
            },
          },
        ]}
        expandable={{
          expandedRowKeys: PROVIDERS.filter((p) => configOf(p) && tested[configOf(p)!.id]),
          showExpandColumn: false,
          expandedRowRender: (p) => <TestAnswer answer={tested[configOf(p)!.id]!} />,
        }}
      />
      {editing && appId && fields.data && (
        <ConfigDrawer
          key={`${editing}-${mode}`}
          appId={appId}
          mode={mode}
          provider={editing}
          fields={fields.data[editing] ?? []}
          config={configOf(editing)}
          onClose={() => setEditing(undefined)}
        />
      )}
    </Space>
  );
}

export function TestAnswer({ answer }: { answer: ConnectionTest }) {
  const { t } = useTranslation('channels');
  return (
    <Alert
      data-testid="test-answer"
      type={answer.ok ? 'success' : 'error'}
      showIcon
      title={`${answer.ok ? t('testOk') : t('testFailed')} · ${t(`stage.${answer.stage}`)}`}
      description={
        <Descriptions size="small" column={1}>
          <Descriptions.Item label={t('latency')}>{answer.latency_ms} ms</Descriptions.Item>
          <Descriptions.Item label={t('orderNo')}>{answer.order_no}</Descriptions.Item>
          <Descriptions.Item label={t('answer')}>
            <Typography.Text code>
              {answer.error
                ? `${answer.error.code}: ${answer.error.message}`
                : `${answer.result?.status}${answer.result?.failure_message ? ` · ${answer.result.failure_message}` : ''}`}
            </Typography.Text>
          </Descriptions.Item>
        </Descriptions>
      }
    />
  );
}

function ConfigDrawer(props: {
  appId: string;
  mode: 'test' | 'live';
  provider: string;
  fields: Field[];
  config?: Config;
  onClose: () => void;
}) {
  const { t } = useTranslation('channels');
  const { message } = AntApp.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm();
  const [p12, setP12] = useState<string>();
  const [topError, setTopError] = useState<string>();
  const simulator = Form.useWatch('simulator', form) as boolean | undefined;
  // A field with `when` shows only in its mode (WeChat Pay: direct or service provider).
  const watched = Form.useWatch((values: Record<string, unknown>) => values, form);
  const applies = (field: Field) =>
    !field.when ||
    String(
      watched?.[`settings.${field.when.setting}`] ??
        props.fields.find((f) => f.name === field.when!.setting)?.choices?.[0],
    ) === field.when.equals;
  const stored = new Set(props.config?.secrets_set ?? []);
  const initial: Record<string, unknown> = {
    enabled: props.config?.enabled ?? true,
    simulator: props.config?.settings.simulator === true,
  };
  for (const field of props.fields) {
    const value = props.config?.settings[field.name];
    if (field.group === 'settings' && value !== undefined) initial[`settings.${field.name}`] = String(value);
  }
  const save = useMutation({
    mutationFn: (values: Record<string, unknown>) => {
      const settings: Record<string, unknown> = {};
      const secrets: Record<string, string> = {};
      if (values.simulator) settings.simulator = true;
      else
        for (const field of props.fields) {
          const value = values[`${field.group}.${field.name}`];
          if (value === undefined || value === '' || value === null) continue;
          if (field.group === 'settings') settings[field.name] = value;
          else secrets[field.name] = String(value);
        }
      return api<Config>('/channel_configs', {
        method: 'POST',
        body: {
          app: props.appId,
          mode: props.mode,
          provider: props.provider,
          enabled: values.enabled,
          settings,
          secrets,
          ...(p12 && !values.simulator ? { pkcs12: { data: p12, password: values.p12password ?? '' } } : {}),
        },
      });
    },
    onSuccess: async () => {
      message.success(t('saved'));
      await queryClient.invalidateQueries({ queryKey: ['channel-configs'] });
      props.onClose();
    },
    onError: (error) => {
      if (!(error instanceof ApiError)) return setTopError(String(error));
      const list = error.errors ?? (error.param ? [{ param: error.param, message: error.message }] : []);
      const known = new Set(props.fields.map((f) => `${f.group}.${f.name}`));
      const p12Param = list.find((e) => e.param.startsWith('pkcs12'));
      form.setFields([
        ...list.filter((e) => known.has(e.param)).map((e) => ({ name: e.param, errors: [e.message] })),
        ...(p12Param ? [{ name: 'p12password', errors: [p12Param.message] }] : []),
      ]);
      const placed = list.filter((e) => known.has(e.param) || e === p12Param).length;
      setTopError(placed === list.length && placed > 0 ? t('fixFields') : error.message);
    },
  });
  const readFile = async (file: File) => {
    const bytes = new Uint8Array(await file.arrayBuffer());
    let binary = '';
    for (const b of bytes) binary += String.fromCharCode(b);
    setP12(btoa(binary));
  };
  const acceptsP12 = props.fields.some((f) => f.fromPkcs12);
  return (
    <Drawer
      open
      size="large"
      title={`${t(`provider.${props.provider}`)} · ${t(`common:mode.${props.mode}`)}`}
      onClose={props.onClose}
      extra={
        <Button
          type="primary"
          data-testid="save-config"
          loading={save.isPending}
          onClick={() => form.submit()}
        >
          {t('common:save')}
        </Button>
      }
    >
      {topError && <Alert type="error" showIcon title={topError} style={{ marginBottom: 16 }} />}
      <Form
        form={form}
        layout="vertical"
        initialValues={initial}
        onFinish={(values) => {
          setTopError(undefined);
          save.mutate(values);
        }}
      >
        <Form.Item name="enabled" valuePropName="checked">
          <Checkbox>{t('enable')}</Checkbox>
        </Form.Item>
        {props.mode === 'test' && (
          <Form.Item name="simulator" valuePropName="checked">
            <Checkbox data-testid="use-simulator">{t('useSimulator')}</Checkbox>
          </Form.Item>
        )}
        {!simulator && (
          <>
            <Typography.Title level={5}>{t('settings')}</Typography.Title>
            {props.fields
              .filter((field) => field.group === 'settings' && applies(field))
              .map((field) => (
                <Form.Item
                  key={field.name}
                  name={`settings.${field.name}`}
                  label={t(`field.${field.name}`)}
                  rules={field.required ? [{ required: true, message: t('required') }] : []}
                >
                  {field.kind === 'choice' || field.kind === 'boolean' ? (
                    <Select
                      allowClear
                      options={(field.choices ?? ['true', 'false']).map((c) => ({ value: c, label: c }))}
                    />
                  ) : (
                    <Input data-testid={`field-settings.${field.name}`} />
                  )}
                </Form.Item>
              ))}
            <Typography.Title level={5}>{t('secrets')}</Typography.Title>
            {acceptsP12 && (
              <Card size="small" title={t('pkcs12')} style={{ marginBottom: 16 }}>
                <Typography.Paragraph type="secondary">{t('pkcs12Hint')}</Typography.Paragraph>
                <Space wrap>
                  <input
                    type="file"
                    accept=".p12,.pfx"
                    aria-label={t('chooseFile')}
                    onChange={(e) => e.target.files?.[0] && void readFile(e.target.files[0])}
                  />
                  <Form.Item name="p12password" noStyle>
                    <Input.Password placeholder={t('pkcs12Password')} style={{ width: 220 }} />
                  </Form.Item>
                </Space>
              </Card>
            )}
            {props.fields
              .filter((field) => field.group === 'secrets')
              .map((field) => (
                <Form.Item
                  key={field.name}
                  name={`secrets.${field.name}`}
                  label={t(`field.${field.name}`)}
                  extra={stored.has(field.name) ? t('secretSet') : undefined}
                  rules={
                    field.required && !stored.has(field.name) && !(p12 && field.fromPkcs12)
                      ? [{ required: true, message: t('required') }]
                      : []
                  }
                >
                  {LONG.has(field.kind) ? (
                    <Input.TextArea
                      data-testid={`field-secrets.${field.name}`}
                      rows={3}
                      placeholder={stored.has(field.name) ? '••••••••' : '-----BEGIN …'}
                      autoComplete="off"
                    />
                  ) : (
                    <Input.Password
                      data-testid={`field-secrets.${field.name}`}
                      placeholder={stored.has(field.name) ? '••••••••' : undefined}
                      autoComplete="new-password"
                    />
                  )}
                </Form.Item>
              ))}
          </>
        )}
      </Form>
    </Drawer>
  );
}
