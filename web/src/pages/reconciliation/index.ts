import { ReconciliationOutlined } from '@ant-design/icons';
import { createElement, lazy } from 'react';
import { definePage } from '../types';
import { locales } from './locales';

export const reconciliationPage = definePage({
  name: 'reconciliation',
  path: 'reconciliation',
  icon: createElement(ReconciliationOutlined),
  permission: 'read',
  component: lazy(() => import('./ReconciliationPage')),
  locales,
  order: 22,
  group: 'payments',
});
