import { TeamOutlined } from '@ant-design/icons';
import { createElement, lazy } from 'react';
import { definePage } from '../types';
import { locales } from './locales';

export const usersPage = definePage({
  name: 'users',
  path: 'users',
  icon: createElement(TeamOutlined),
  permission: 'read',
  component: lazy(() => import('./UsersPage')),
  locales,
  order: 60,
  group: 'settings',
});
