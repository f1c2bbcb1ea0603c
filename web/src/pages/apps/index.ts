import { AppstoreOutlined } from '@ant-design/icons';
import { createElement, lazy } from 'react';
import { definePage } from '../types';
import { locales } from './locales';

export const appsPage = definePage({
  name: 'apps',
  path: 'apps',
  icon: createElement(AppstoreOutlined),
  permission: 'read',
  component: lazy(() => import('./AppsPage')),
  locales,
  order: 30,
  group: 'developers',
});
