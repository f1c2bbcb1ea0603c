import { TransactionOutlined } from '@ant-design/icons';
import { createElement, lazy } from 'react';
import { definePage } from '../types';
import { locales } from './locales';

export const transactionsPage = definePage({
  name: 'transactions',
  path: 'transactions',
  icon: createElement(TransactionOutlined),
  permission: 'read',
  component: lazy(() => import('./TransactionsPage')),
  locales,
  order: 20,
  group: 'payments',
});
