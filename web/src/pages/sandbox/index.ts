import { ExperimentOutlined } from '@ant-design/icons';
import { createElement, lazy } from 'react';
import { definePage } from '../types';
import { locales } from './locales';

export const sandboxPage = definePage({
  name: 'sandbox',
  path: 'sandbox',
  icon: createElement(ExperimentOutlined),
  permission: 'test_helpers',
  component: lazy(() => import('./SandboxPage')),
  locales,
  order: 80,
  group: 'developers',
});
