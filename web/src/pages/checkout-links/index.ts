import { LinkOutlined } from '@ant-design/icons';
import { createElement, lazy } from 'react';
import { definePage } from '../types';
import { locales } from './locales';

export const checkoutLinksPage = definePage({
  name: 'checkout-links',
  path: 'checkout-links',
  icon: createElement(LinkOutlined),
  permission: 'charges.write',
  component: lazy(() => import('./CheckoutLinksPage')),
  locales,
  order: 15,
  group: 'payments',
});
