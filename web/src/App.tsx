import { Button, Result, Spin, App as AntApp } from 'antd';
import { Suspense, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { createBrowserRouter, Navigate, RouterProvider, useNavigate, Outlet } from 'react-router-dom';
import { useQueryClient } from '@tanstack/react-query';
import { setSessionExpiredHandler } from './api/client';
import { RequireAuth } from './auth/RequireAuth';
import { pages } from './pages';
import { LoginPage } from './pages/login';
import { AppShell } from './shell/AppShell';
import { usePages } from './shell/usePages';

/** Goes to the first page this role may open (the overview for everyone who may read). */
function Home() {
  const first = usePages()[0];
  return first ? <Navigate to={`/${first.path}`} replace /> : <NotFound />;
}

function NotFound() {
  const { t } = useTranslation('common');
  const navigate = useNavigate();
  return (
    <Result
      status="404"
      title="404"
      subTitle={t('notFound')}
      extra={
        <Button type="primary" onClick={() => navigate('/')}>
          {t('backHome')}
        </Button>
      }
    />
  );
}

/**
 * Any authenticated call answered 401 means the session ended (expired, logged out elsewhere,
 * cookie rotated by a login in another tab): say so once, then go to the login page and come
 * back to where the user was.
 */
function SessionExpiry() {
  const { modal } = AntApp.useApp();
  const { t } = useTranslation('common');
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const open = useRef(false);
  useEffect(() => {
    setSessionExpiredHandler(() => {
      if (open.current) return;
      open.current = true;
      const here = window.location.pathname.replace(/^\/console/, '') + window.location.search;
      modal.warning({
        title: t('sessionExpired'),
        okText: t('confirm'),
        onOk: () => {
          open.current = false;
          queryClient.clear();
          navigate(`/login?expired=1&next=${encodeURIComponent(here)}`, { replace: true });
        },
      });
    });
    return () => setSessionExpiredHandler(undefined);
  }, [modal, t, navigate, queryClient]);
  return <Outlet />;
}

const router = createBrowserRouter(
  [
    {
      element: <SessionExpiry />,
      children: [
        {
          path: '/login',
          element: (
            <Suspense fallback={<Spin />}>
              <LoginPage />
            </Suspense>
          ),
        },
        {
          path: '/',
          element: (
            <RequireAuth>
              <AppShell />
            </RequireAuth>
          ),
          children: [
            { index: true, element: <Home /> },
            ...pages.map((page) => ({ path: `${page.path}/*`, element: <PageGate page={page} /> })),
            { path: '*', element: <NotFound /> },
          ],
        },
      ],
    },
  ],
  { basename: '/console' },
);

/** A page the role may not open answers like a missing one (its menu entry is hidden too). */
function PageGate({ page }: { page: (typeof pages)[number] }) {
  const allowed = usePages().includes(page);
  const Component = page.component;
  return allowed ? <Component /> : <NotFound />;
}

export function App() {
  return <RouterProvider router={router} />;
}
