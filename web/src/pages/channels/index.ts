import { ApiOutlined } from '@ant-design/icons';
import { createElement, lazy } from 'react';
import { definePage } from '../types';
import { locales } from './locales';

export const channelsPage = definePage({
  name: 'channels',
  path: 'channels',
  icon: createElement(ApiOutlined),
  permission: 'read',
  component: lazy(() => import('./ChannelsPage')),
  locales,
  order: 40,
  group: 'settings',
});
