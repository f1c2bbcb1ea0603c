import { SendOutlined } from '@ant-design/icons';
import { createElement, lazy } from 'react';
import { definePage } from '../types';
import { locales } from './locales';

export const webhooksPage = definePage({
  name: 'webhooks',
  path: 'webhooks',
  icon: createElement(SendOutlined),
  permission: 'read',
  component: lazy(() => import('./WebhooksPage')),
  locales,
  order: 50,
  group: 'developers',
});
