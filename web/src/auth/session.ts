import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { api, setCsrfToken } from '../api/client';
import type { Permission, Role } from './permissions';

export interface CurrentUser {
  id: string;
  email: string;
  name?: string | null;
  role: Role;
}

/** GET /api/v1/me: who is logged in, what their role may do, and the session's CSRF token. */
export interface Me {
  user: CurrentUser;
  via: 'user' | 'token' | string;
  permissions: Permission[];
  csrf_token?: string;
}

export const ME_KEY = ['me'] as const;

export async function fetchMe(): Promise<Me> {
  const me = await api<Me>('/me', { skipSessionExpiry: true });
  setCsrfToken(me.csrf_token);
  return me;
}

export function useMe() {
  return useQuery({ queryKey: ME_KEY, queryFn: fetchMe, retry: false, staleTime: 60_000 });
}

/** `can('refunds.write')`: hide what the role may not do (the API refuses it anyway). */
export function usePermission(): (permission: Permission) => boolean {
  const { data } = useMe();
  return useMemo(() => {
    const granted = new Set(data?.permissions ?? []);
    return (permission: Permission) => granted.has(permission);
  }, [data]);
}

export interface LoginAnswer {
  user: CurrentUser;
  expires_at: string;
  csrf_token: string;
}

export async function login(email: string, password: string): Promise<LoginAnswer> {
  const answer = await api<LoginAnswer>('/login', {
    method: 'POST',
    body: { email, password },
    skipSessionExpiry: true,
  });
  setCsrfToken(answer.csrf_token);
  return answer;
}

export async function logout(): Promise<void> {
  await api('/logout', { method: 'POST', skipSessionExpiry: true }).catch(() => undefined);
  setCsrfToken(undefined);
}
