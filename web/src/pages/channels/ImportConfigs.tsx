import { CheckCircleFilled, CloseCircleFilled, InboxOutlined, MinusCircleOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Modal, Space, Table, Tag, Typography, Upload } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../../api/client';
import { useApps } from '../../components/AppSelect';

/** One element of the import document (docs/credential-import.md, "Channel configs"). */
export interface ImportRow {
  app?: unknown;
  mode?: unknown;
  provider?: unknown;
  enabled?: unknown;
  settings?: Record<string, unknown>;
  secrets?: Record<string, unknown>;
}
type Outcome = { kind: 'created' | 'updated' } | { kind: 'refused'; message: string } | { kind: 'skipped' };

const PROVIDERS = ['alipay', 'wechatpay', 'unionpay', 'applepay', 'paypal', 'lakala', 'cash', 'diy'];

/**
 * The document as the CLI takes it: a JSON list of configs, or `{"configs": [...]}`. Answers
 * the rows, or the reason the file is not such a document.
 */
export function parseImport(text: string): { rows: ImportRow[] } | { error: 'json' | 'shape' } {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return { error: 'json' };
  }
  const list = Array.isArray(doc) ? doc : (doc as { configs?: unknown } | null)?.configs;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    list.some((r) => !r || typeof r !== 'object' || Array.isArray(r))
  )
    return { error: 'shape' };
  return { rows: list as ImportRow[] };
}

/** What is wrong with a row before it is sent (the server checks everything again, and more). */
export function rowProblem(row: ImportRow): 'app' | 'mode' | 'provider' | undefined {
  if (typeof row.app !== 'string' || !/^app_[0-9a-f]{24}$/.test(row.app)) return 'app';
  if (row.mode !== 'test' && row.mode !== 'live') return 'mode';
  if (typeof row.provider !== 'string' || !PROVIDERS.includes(row.provider)) return 'provider';
  return undefined;
}

/** The element a refusal names: `[2]`, `[2].app`, or a schema path like `/2/provider`. */
export function refusedIndex(param: string | undefined): number | undefined {
  const m = /\[(\d+)\]|(?:^|[./])(\d+)(?:[./]|$)/.exec(param ?? '');
  return m ? Number(m[1] ?? m[2]) : undefined;
}

/**
 * Channel configs in bulk from a JSON file: a preview of every row (secrets by name only),
 * then one all-or-nothing import; each row says whether it was created or updated, or which
 * row the gateway refused and why (nothing is written then).
 */
export function ImportConfigs({ open, onClose }: { open: boolean; onClose(): void }) {
  const { t } = useTranslation('channels');
  const queryClient = useQueryClient();
  const apps = useApps();
  const [file, setFile] = useState<string>();
  const [rows, setRows] = useState<ImportRow[]>([]);
  const [fileError, setFileError] = useState<string>();
  const [outcomes, setOutcomes] = useState<Outcome[]>();
  const [failure, setFailure] = useState<string>();
  const [busy, setBusy] = useState(false);

  const reset = () => {
    setRows([]);
    setFile(undefined);
    setFileError(undefined);
    setOutcomes(undefined);
    setFailure(undefined);
  };

  async function read(f: File) {
    reset();
    setFile(f.name);
    const parsed = parseImport(await f.text());
    if ('error' in parsed) setFileError(t(`import.fileError.${parsed.error}`));
    else setRows(parsed.rows);
  }

  async function submit() {
    setBusy(true);
    setFailure(undefined);
    try {
      const answer = await api<{ data: { created: boolean }[] }>('/channel_configs/import', {
        method: 'POST',
        body: rows,
      });
      setOutcomes(answer.data.map((r) => ({ kind: r.created ? 'created' : 'updated' })));
      await queryClient.invalidateQueries({ queryKey: ['channel-configs'] });
    } catch (error) {
      const param = error instanceof ApiError ? error.param : undefined;
      const at = refusedIndex(param);
      setFailure((error as Error).message);
      setOutcomes(
        rows.map((_, i) =>
          i === at ? { kind: 'refused', message: (error as Error).message } : { kind: 'skipped' },
        ),
      );
    } finally {
      setBusy(false);
    }
  }

  const problems = rows.map(rowProblem);
  const done = outcomes?.every((o) => o.kind === 'created' || o.kind === 'updated');
  const appName = (id: unknown) => apps.data?.find((a) => a.id === id)?.name ?? String(id ?? '—');

  return (
    <Modal
      open={open}
      width={1000}
      title={t('import.title')}
      onCancel={() => {
        reset();
        onClose();
      }}
      footer={
        <Space>
          <Button
            onClick={() => {
              reset();
              onClose();
            }}
          >
            {done ? t('common:close') : t('common:cancel')}
          </Button>
          {!done && (
            <Button
              type="primary"
              data-testid="import-submit"
              loading={busy}
              disabled={rows.length === 0 || problems.some(Boolean)}
              onClick={submit}
            >
              {t('import.submit', { n: rows.length })}
            </Button>
          )}
        </Space>
      }
      destroyOnHidden
    >
      <Space orientation="vertical" size={12} style={{ width: '100%' }}>
        <Typography.Text type="secondary">{t('import.intro')}</Typography.Text>
        <Upload.Dragger
          accept=".json,application/json"
          showUploadList={false}
          beforeUpload={(f) => {
            void read(f);
            return false;
          }}
          data-testid="import-file"
        >
          <p className="ant-upload-drag-icon">
            <InboxOutlined />
          </p>
          <p className="ant-upload-text">{file ?? t('import.drop')}</p>
          <p className="ant-upload-hint">{t('import.hint')}</p>
        </Upload.Dragger>
        {fileError && <Alert type="error" showIcon title={fileError} data-testid="import-file-error" />}
        {failure && <Alert type="error" showIcon title={t('import.refused')} description={failure} />}
        {done && (
          <Alert
            type="success"
            showIcon
            data-testid="import-done"
            title={t('import.done', {
              created: outcomes!.filter((o) => o.kind === 'created').length,
              updated: outcomes!.filter((o) => o.kind === 'updated').length,
            })}
          />
        )}
        {rows.length > 0 && (
          <Table<ImportRow & { i: number }>
            data-testid="import-preview"
            rowKey="i"
            size="small"
            pagination={false}
            scroll={{ y: 360 }}
            dataSource={rows.map((r, i) => ({ ...r, i }))}
            columns={[
              { title: '#', dataIndex: 'i', width: 50, render: (i: number) => i + 1 },
              { title: t('app'), key: 'app', render: (_, r) => appName(r.app) },
              {
                title: t('import.mode'),
                key: 'mode',
                width: 90,
                render: (_, r) =>
                  r.mode === 'live' || r.mode === 'test' ? t(`common:mode.${r.mode}`) : String(r.mode),
              },
              {
                title: t('channel'),
                key: 'provider',
                render: (_, r) => t(`provider.${String(r.provider)}`, { defaultValue: String(r.provider) }),
              },
              {
                title: t('settings'),
                key: 'settings',
                render: (_, r) => (
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {Object.keys(r.settings ?? {}).join(', ') || '—'}
                  </Typography.Text>
                ),
              },
              {
                title: t('import.secrets'),
                key: 'secrets',
                render: (_, r) =>
                  Object.keys(r.secrets ?? {}).map((k) => (
                    <Tag key={k} style={{ fontSize: 11 }}>
                      {k} ••••
                    </Tag>
                  )),
              },
              {
                title: t('import.result'),
                key: 'result',
                width: 220,
                render: (_, r) => {
                  const problem = problems[r.i];
                  if (problem)
                    return <Typography.Text type="danger">{t(`import.problem.${problem}`)}</Typography.Text>;
                  const o = outcomes?.[r.i];
                  if (!o) return <Typography.Text type="secondary">{t('import.ready')}</Typography.Text>;
                  if (o.kind === 'refused')
                    return (
                      <Typography.Text type="danger" data-testid="import-row-refused">
                        <CloseCircleFilled /> {o.message}
                      </Typography.Text>
                    );
                  if (o.kind === 'skipped')
                    return (
                      <Typography.Text type="secondary">
                        <MinusCircleOutlined /> {t('import.notWritten')}
                      </Typography.Text>
                    );
                  return (
                    <Typography.Text type="success" data-testid="import-row-ok">
                      <CheckCircleFilled /> {t(`import.${o.kind}`)}
                    </Typography.Text>
                  );
                },
              },
            ]}
          />
        )}
      </Space>
    </Modal>
  );
}
