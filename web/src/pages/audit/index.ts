import { AuditOutlined } from '@ant-design/icons';
import { createElement, lazy } from 'react';
import { definePage } from '../types';
import { locales } from './locales';

export const auditPage = definePage({
  name: 'audit',
  path: 'audit',
  icon: createElement(AuditOutlined),
  permission: 'audit.read',
  component: lazy(() => import('./AuditPage')),
  locales,
  order: 70,
  group: 'settings',
});
