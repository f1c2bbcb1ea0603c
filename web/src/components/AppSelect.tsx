import { useQuery } from '@tanstack/react-query';
import { Select } from 'antd';
import { useEffect } from 'react';
import { api } from '../api/client';

export interface AppSummary {
  id: string;
  name: string;
  merchant: string;
}

export function useApps() {
  return useQuery({
    queryKey: ['apps'],
    queryFn: () => api<{ data: AppSummary[] }>('/apps').then((r) => r.data),
  });
}

/** Picks the app a page works on; selects the first one when none is chosen yet. */
export function AppSelect({ value, onChange }: { value?: string; onChange: (id: string) => void }) {
  const apps = useApps();
  useEffect(() => {
    if (!value && apps.data?.[0]) onChange(apps.data[0].id);
  }, [value, apps.data, onChange]);
  return (
    <Select
      data-testid="app-select"
      style={{ minWidth: 260 }}
      loading={apps.isLoading}
      value={value}
      onChange={onChange}
      options={(apps.data ?? []).map((a) => ({ value: a.id, label: `${a.name} (${a.id})` }))}
    />
  );
}
