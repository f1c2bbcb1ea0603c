import { lazy } from 'react';
import { locales } from './locales';

export const loginPage = { name: 'login', locales };
export const LoginPage = lazy(() => import('./LoginPage'));
