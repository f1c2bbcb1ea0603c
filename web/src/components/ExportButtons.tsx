import { DownloadOutlined } from '@ant-design/icons';
import { App, Button, Progress, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { download, type Query } from '../api/client';

/** Hands a downloaded file to the browser as if the user had clicked a link to it. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function kb(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * CSV and XLSX buttons for a streamed export endpoint (`format=csv|xlsx` plus the page's
 * filters), with the bytes received while it streams and the size once saved.
 */
export function ExportButtons({
  path,
  query,
  testId = 'export',
  disabled,
}: {
  path: string;
  query: Query;
  testId?: string;
  disabled?: boolean;
}) {
  const { t } = useTranslation('common');
  const { message } = App.useApp();
  const [state, setState] = useState<{ bytes: number; done: boolean }>();

  async function run(format: 'csv' | 'xlsx') {
    setState({ bytes: 0, done: false });
    try {
      const { blob, filename } = await download(path, { ...query, format }, (bytes) =>
        setState({ bytes, done: false }),
      );
      saveBlob(blob, filename);
      setState({ bytes: blob.size, done: true });
    } catch (error) {
      setState(undefined);
      message.error((error as Error).message);
    }
  }

  return (
    <Space wrap>
      {state && (
        <Space data-testid={`${testId}-progress`}>
          {!state.done && <Progress type="circle" size={20} percent={99} status="active" showInfo={false} />}
          <Typography.Text type="secondary">
            {state.done
              ? t('export.done', { size: kb(state.bytes) })
              : t('export.running', { size: kb(state.bytes) })}
          </Typography.Text>
        </Space>
      )}
      <Button
        icon={<DownloadOutlined />}
        disabled={disabled}
        onClick={() => run('csv')}
        data-testid={`${testId}-csv`}
      >
        {t('export.csv')}
      </Button>
      <Button
        icon={<DownloadOutlined />}
        disabled={disabled}
        onClick={() => run('xlsx')}
        data-testid={`${testId}-xlsx`}
      >
        {t('export.xlsx')}
      </Button>
    </Space>
  );
}
