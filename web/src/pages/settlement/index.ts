import { AccountBookOutlined } from '@ant-design/icons';
import { createElement, lazy } from 'react';
import { definePage } from '../types';
import { locales } from './locales';

export const settlementPage = definePage({
  name: 'settlement',
  path: 'settlement',
  icon: createElement(AccountBookOutlined),
  permission: 'read',
  component: lazy(() => import('./SettlementPage')),
  locales,
  order: 24,
  group: 'payments',
});
