import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App as AntApp,
  Button,
  Form,
  Input,
  Modal,
  Popconfirm,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { Can } from '../../auth/Can';
import type { Role } from '../../auth/permissions';
import { useMe } from '../../auth/session';
import { QueryError } from '../../components/QueryError';
import { showServerError } from '../../components/server-errors';
import { useFormat } from '../../i18n/preferences';

const ROLES: Role[] = ['owner', 'admin', 'developer', 'finance', 'viewer'];
interface User {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  created_at: string;
  disabled_at: string | null;
}
interface Token {
  id: string;
  name: string;
  role: Role;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export default function UsersPage() {
  const { t } = useTranslation('users');
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('title')}</Typography.Title>
      <Can permission="users.write">
        <Users />
      </Can>
      <Tokens />
    </Space>
  );
}

function Users() {
  const { t } = useTranslation('users');
  const f = useFormat();
  const me = useMe();
  const { message, modal } = AntApp.useApp();
  const queryClient = useQueryClient();
  const [inviting, setInviting] = useState(false);
  const [temporary, setTemporary] = useState<string>();
  const list = useQuery({
    queryKey: ['users'],
    queryFn: () => api<{ data: User[] }>('/users').then((r) => r.data),
  });
  const change = useMutation({
    mutationFn: ({ id, action, role }: { id: string; action: 'role' | 'disable' | 'enable'; role?: Role }) =>
      action === 'role'
        ? api(`/users/${id}`, { method: 'PATCH', body: { role } })
        : api(`/users/${id}/${action}`, { method: 'POST' }),
    onSuccess: async () => {
      message.success(t('changed'));
      await queryClient.invalidateQueries({ queryKey: ['users'] });
    },
    onError: (error) => message.error(error.message),
  });
  if (list.error) return <QueryError error={list.error} onRetry={() => list.refetch()} />;
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Space>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('users')}
        </Typography.Title>
        <Button type="primary" data-testid="invite-user" onClick={() => setInviting(true)}>
          {t('invite')}
        </Button>
      </Space>
      {temporary && (
        <Alert
          type="warning"
          showIcon
          closable
          title={t('temporaryPassword')}
          description={
            <Typography.Text code copyable data-testid="temporary-password">
              {temporary}
            </Typography.Text>
          }
        />
      )}
      <Table<User>
        rowKey="id"
        loading={list.isLoading}
        dataSource={list.data}
        pagination={false}
        columns={[
          {
            title: t('email'),
            render: (_, u) => `${u.email}${u.id === me.data?.user.id ? t('you') : ''}`,
          },
          { title: t('name'), dataIndex: 'name' },
          {
            title: t('role'),
            render: (_, u) =>
              u.id === me.data?.user.id ? (
                t(`common:role.${u.role}`)
              ) : (
                <Select
                  data-testid={`role-${u.email}`}
                  value={u.role}
                  style={{ width: 130 }}
                  onChange={(role: Role) =>
                    modal.confirm({
                      title: t('roleConfirm'),
                      onOk: () => change.mutateAsync({ id: u.id, action: 'role', role }),
                    })
                  }
                  options={ROLES.map((r) => ({ value: r, label: t(`common:role.${r}`) }))}
                />
              ),
          },
          {
            title: t('status'),
            render: (_, u) =>
              u.disabled_at ? <Tag>{t('disabled')}</Tag> : <Tag color="green">{t('active')}</Tag>,
          },
          { title: t('createdAt'), render: (_, u) => f.dateTime(u.created_at) },
          {
            title: t('common:actions'),
            render: (_, u) =>
              u.id === me.data?.user.id ? null : u.disabled_at ? (
                <Button size="small" onClick={() => change.mutate({ id: u.id, action: 'enable' })}>
                  {t('enable')}
                </Button>
              ) : (
                <Popconfirm
                  title={t('disableConfirm')}
                  onConfirm={() => change.mutate({ id: u.id, action: 'disable' })}
                >
                  <Button size="small" danger>
                    {t('disable')}
                  </Button>
                </Popconfirm>
              ),
          },
        ]}
      />
      {inviting && (
        <InviteModal
          onClose={() => setInviting(false)}
          onInvited={async (password) => {
            setInviting(false);
            setTemporary(password);
            message.success(t('invited'));
            await queryClient.invalidateQueries({ queryKey: ['users'] });
          }}
        />
      )}
    </Space>
  );
}

function InviteModal({ onClose, onInvited }: { onClose: () => void; onInvited: (password: string) => void }) {
  const { t } = useTranslation('users');
  const [form] = Form.useForm();
  const [topError, setTopError] = useState<string>();
  const invite = useMutation({
    mutationFn: (values: { email: string; name?: string; role: Role }) =>
      api<{ temporary_password: string }>('/users', { method: 'POST', body: values }),
    onSuccess: (answer) => onInvited(answer.temporary_password),
    onError: (error) => {
      if (!showServerError(form, error, ['email', 'name', 'role'])) setTopError(error.message);
    },
  });
  return (
    <Modal
      open
      title={t('invite')}
      onCancel={onClose}
      onOk={() => form.submit()}
      okButtonProps={{ loading: invite.isPending, id: 'send-invite' }}
      okText={t('invite')}
      cancelText={t('common:cancel')}
    >
      {topError && <Alert type="error" showIcon title={topError} style={{ marginBottom: 12 }} />}
      <Form
        form={form}
        layout="vertical"
        initialValues={{ role: 'viewer' }}
        onFinish={(v) => invite.mutate(v)}
      >
        <Form.Item
          name="email"
          label={t('email')}
          rules={[{ required: true, type: 'email', message: t('email') }]}
        >
          <Input data-testid="invite-email" />
        </Form.Item>
        <Form.Item name="name" label={t('name')}>
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item name="role" label={t('role')}>
          <Select
            data-testid="invite-role"
            options={ROLES.map((r) => ({ value: r, label: t(`common:role.${r}`) }))}
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function Tokens() {
  const { t } = useTranslation('users');
  const f = useFormat();
  const { message } = AntApp.useApp();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [shown, setShown] = useState<string>();
  const list = useQuery({
    queryKey: ['api-tokens'],
    queryFn: () => api<{ data: Token[] }>('/api_tokens').then((r) => r.data),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['api-tokens'] });
  const create = useMutation({
    mutationFn: () => api<{ token: string }>('/api_tokens', { method: 'POST', body: { name: name.trim() } }),
    onSuccess: async (answer) => {
      setShown(answer.token);
      setName('');
      await refresh();
    },
    onError: (error) => message.error(error.message),
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api(`/api_tokens/${id}`, { method: 'DELETE' }),
    onSuccess: async () => {
      message.success(t('revoked'));
      await refresh();
    },
  });
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Typography.Title level={4}>{t('tokens')}</Typography.Title>
      <Can permission="api_tokens.create">
        <Space>
          <Input
            placeholder={t('tokenName')}
            value={name}
            maxLength={100}
            onChange={(e) => setName(e.target.value)}
          />
          <Button disabled={!name.trim()} loading={create.isPending} onClick={() => create.mutate()}>
            {t('createToken')}
          </Button>
        </Space>
      </Can>
      {shown && (
        <Alert
          type="warning"
          showIcon
          closable
          title={t('tokenOnce')}
          description={
            <Typography.Text code copyable>
              {shown}
            </Typography.Text>
          }
        />
      )}
      <Table<Token>
        rowKey="id"
        size="small"
        loading={list.isLoading}
        dataSource={list.data}
        pagination={false}
        columns={[
          { title: t('tokenName'), dataIndex: 'name' },
          { title: t('role'), render: (_, k) => t(`common:role.${k.role}`) },
          { title: t('createdAt'), render: (_, k) => f.dateTime(k.created_at) },
          { title: t('lastUsed'), render: (_, k) => f.dateTime(k.last_used_at) },
          {
            title: t('status'),
            render: (_, k) =>
              k.revoked_at ? (
                <Tag>{t('revoked')}</Tag>
              ) : (
                <Popconfirm title={t('revokeConfirm')} onConfirm={() => revoke.mutate(k.id)}>
                  <Button size="small" danger>
                    {t('revoke')}
                  </Button>
                </Popconfirm>
              ),
          },
        ]}
      />
    </Space>
  );
}
