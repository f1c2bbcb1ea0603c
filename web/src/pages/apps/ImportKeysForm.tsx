import { useMutation } from '@tanstack/react-query';
import { Alert, Form, Input, Modal, Segmented } from 'antd';
import type { Rule } from 'antd/es/form';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { showServerError } from '../../components/server-errors';

export type ImportDialect = 'maxpay' | 'paymax' | 'store' | 'unified';
const DIALECTS: ImportDialect[] = ['maxpay', 'paymax', 'store', 'unified'];

// The same formats the server checks (core/apps/check-import.ts), so most mistakes are
// caught before a round trip; the server's refusal still lands next to the field it names.
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const KEY = /^[\x21-\x7e]{8,128}$/;
const SECRET = /^[\x21-\x7e]{4,128}$/;
const OPEN_KEY = /^[\x20-\x7e]{32}$/;

interface Field {
  name: string;
  secret?: boolean;
  multiline?: boolean;
  optional?: boolean;
  pattern?: RegExp;
  max?: number;
}

const FIELDS: Record<ImportDialect, Field[]> = {
  maxpay: [
    { name: 'app_id', pattern: ID },
    { name: 'master_key', secret: true, pattern: KEY },
    { name: 'session_tokens', multiline: true, optional: true },
  ],
  paymax: [
    { name: 'app_key', pattern: ID },
    { name: 'secret_key', secret: true, pattern: KEY },
    { name: 'merchant_public_key', multiline: true, max: 8192 },
    { name: 'platform_private_key', multiline: true, secret: true, optional: true, max: 8192 },
    { name: 'platform_public_key', multiline: true, optional: true, max: 8192 },
  ],
  store: [
    { name: 'name', max: 200 },
    { name: 'open_id', pattern: ID },
    { name: 'open_key', secret: true, pattern: OPEN_KEY },
    { name: 'shop_password', secret: true, optional: true, pattern: /^.{4,64}$/ },
  ],
  unified: [
    { name: 'domain_code', pattern: ID },
    { name: 'domain_secret', secret: true, pattern: SECRET },
  ],
};
const ALL_FIELDS = Object.values(FIELDS).flatMap((fields) => fields.map((f) => f.name));

/** The request body's part for one dialect, from the form's flat values. */
function documentOf(dialect: ImportDialect, values: Record<string, string | undefined>) {
  const picked = Object.fromEntries(
    FIELDS[dialect]
      .map((f) => [f.name, values[f.name]?.trim()] as const)
      .filter(([, v]) => v !== undefined && v !== ''),
  ) as Record<string, unknown>;
  if (dialect === 'maxpay' && typeof picked.session_tokens === 'string') {
    picked.session_tokens = picked.session_tokens
      .split(/\s+/)
      .map((s) => s.trim())
      .filter(Boolean);
  }
  return dialect === 'store' ? { stores: [picked] } : { [dialect]: picked };
}

/**
 * Bring your own keys: imports one dialect's credentials the merchant's clients already
 * hold into the app's current mode (replacing that kind, or adding a store).
 */
export function ImportKeysForm(props: {
  appId: string;
  mode: 'test' | 'live';
  onClose: () => void;
  onImported: (answer: unknown) => void | Promise<void>;
}) {
  const { t } = useTranslation('apps');
  const [form] = Form.useForm();
  const [dialect, setDialect] = useState<ImportDialect>('maxpay');
  const [topError, setTopError] = useState<string>();
  const save = useMutation({
    mutationFn: (values: Record<string, string | undefined>) =>
      api<unknown>(`/apps/${props.appId}/credentials/import`, {
        method: 'POST',
        body: { [props.mode]: documentOf(dialect, values) },
      }),
    onSuccess: (answer) => props.onImported(answer),
    onError: (error) => {
      if (!showServerError(form, error, ALL_FIELDS)) setTopError(error.message);
    },
  });
  const rules = (f: Field): Rule[] => [
    { required: !f.optional, whitespace: true, message: t('import.required') },
    ...(f.pattern ? [{ pattern: f.pattern, message: t(`import.format.${f.name}`) }] : []),
    ...(f.max ? [{ max: f.max, message: t('import.tooLong', { max: f.max }) }] : []),
  ];
  return (
    <Modal
      open
      title={t('import.title', { mode: t(`common:mode.${props.mode}`) })}
      onCancel={props.onClose}
      onOk={() => form.submit()}
      okText={t('import.submit')}
      cancelText={t('common:cancel')}
      okButtonProps={{ loading: save.isPending, id: 'import-submit' }}
      width={640}
    >
      <Segmented
        data-testid="import-dialect"
        value={dialect}
        onChange={(v) => {
          setDialect(v as ImportDialect);
          setTopError(undefined);
        }}
        options={DIALECTS.map((d) => ({ value: d, label: t(`import.dialect.${d}`) }))}
        style={{ marginBottom: 16 }}
      />
      <Alert type="info" showIcon title={t(`import.hint.${dialect}`)} style={{ marginBottom: 16 }} />
      {topError && <Alert type="error" showIcon title={topError} style={{ marginBottom: 16 }} />}
      <Form
        key={dialect}
        form={form}
        layout="vertical"
        onFinish={(values) => {
          setTopError(undefined);
          save.mutate(values);
        }}
      >
        {FIELDS[dialect].map((f) => {
          const input = f.multiline ? (
            <Input.TextArea
              data-testid={`import-${f.name}`}
              rows={f.name === 'session_tokens' ? 2 : 4}
              autoComplete="off"
              spellCheck={false}
              style={f.secret ? ({ WebkitTextSecurity: 'disc' } as object) : undefined}
            />
          ) : f.secret ? (
            <Input.Password data-testid={`import-${f.name}`} autoComplete="new-password" />
          ) : (
            <Input data-testid={`import-${f.name}`} autoComplete="off" />
          );
          return (
            <Form.Item key={f.name} name={f.name} label={t(`import.field.${f.name}`)} rules={rules(f)}>
              {input}
            </Form.Item>
          );
        })}
      </Form>
    </Modal>
  );
}
