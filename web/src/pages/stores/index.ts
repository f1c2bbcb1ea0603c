import { ShopOutlined } from '@ant-design/icons';
import { createElement, lazy } from 'react';
import { definePage } from '../types';
import { locales } from './locales';

export const storesPage = definePage({
  name: 'stores',
  path: 'stores',
  icon: createElement(ShopOutlined),
  permission: 'read',
  component: lazy(() => import('./StoresPage')),
  locales,
  order: 35,
  group: 'settings',
});
