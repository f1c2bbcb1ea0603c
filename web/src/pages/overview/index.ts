import { DashboardOutlined } from '@ant-design/icons';
import { createElement, lazy } from 'react';
import { definePage } from '../types';
import { locales } from './locales';

export const overviewPage = definePage({
  name: 'overview',
  path: 'overview',
  icon: createElement(DashboardOutlined),
  permission: 'read',
  component: lazy(() => import('./OverviewPage')),
  locales,
  order: 10,
});
