import { LogoutOutlined, UserOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { Avatar, Dropdown, Layout, Menu, Spin, Tag, type MenuProps } from 'antd';
import { Suspense, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Outlet, useLocation, useNavigate } from 'react-router-dom';
import { logout, useMe, usePermission } from '../auth/session';
import { usePages } from './usePages';
import { PreferenceSwitches } from './PreferenceSwitches';

const { Header, Sider, Content } = Layout;

/** The frame around every page: side menu from the page registry, header with preferences and the user menu. */
export function AppShell() {
  const { t } = useTranslation('common');
  const tPage = useTranslation().t;
  const me = useMe().data!;
  const can = usePermission();
  const pages = usePages();
  const navigate = useNavigate();
  const location = useLocation();
  const queryClient = useQueryClient();
  const [collapsed, setCollapsed] = useState(false);

  const items = useMemo<MenuProps['items']>(() => {
    const top: NonNullable<MenuProps['items']> = [];
    const groups = new Map<
      string,
      { key: string; label: string; type: 'group'; children: NonNullable<MenuProps['items']> }
    >();
    for (const page of pages) {
      const item = { key: page.path, icon: page.icon, label: tPage('menu', { ns: page.name }) };
      if (!page.group) {
        top.push(item);
        continue;
      }
      let group = groups.get(page.group);
      if (!group) {
        group = {
          key: `group-${page.group}`,
          label: t(`menuGroup.${page.group}`),
          type: 'group',
          children: [],
        };
        groups.set(page.group, group);
        top.push(group);
      }
      group.children.push(item);
    }
    return top;
  }, [pages, t, tPage]);

  const selected = location.pathname.split('/')[1] ?? '';

  async function signOut() {
    await logout();
    queryClient.clear();
    navigate('/login', { replace: true });
  }

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Sider
        collapsible
        collapsed={collapsed}
        onCollapse={setCollapsed}
        theme="light"
        width={220}
        className="juhe-sider"
      >
        <div className="juhe-logo">{collapsed ? '聚' : t('appName')}</div>
        <Menu
          mode="inline"
          selectedKeys={[selected]}
          items={items}
          onClick={({ key }) => navigate(`/${key}`)}
        />
      </Sider>
      <Layout>
        <Header className="juhe-header">
          <span className="juhe-header-title">{t('consoleName')}</span>
          <div style={{ flex: 1 }} />
          <PreferenceSwitches />
          <Dropdown
            menu={{
              items: [
                { key: 'role', label: <Tag color="blue">{t(`role.${me.user.role}`)}</Tag>, disabled: true },
                { type: 'divider' },
                { key: 'logout', icon: <LogoutOutlined />, label: t('logout'), onClick: signOut },
              ],
            }}
          >
            <span className="juhe-user" data-testid="user-menu">
              <Avatar size="small" icon={<UserOutlined />} />
              <span>{me.user.name || me.user.email}</span>
            </span>
          </Dropdown>
        </Header>
        <Content className="juhe-content">
          <Suspense fallback={<Spin style={{ margin: 48 }} />}>{can('read') ? <Outlet /> : null}</Suspense>
        </Content>
      </Layout>
    </Layout>
  );
}
