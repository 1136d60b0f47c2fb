import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from './client';

export const keys = {
  accounts: ['social-accounts'] as const,
  storage: ['storage-usage'] as const,
  media: (filters: object) => ['media', filters] as const,
  posts: (filters: object) => ['posts', filters] as const,
  calendar: (from: string, to: string, tz: string) => ['calendar', from, to, tz] as const,
  organization: ['organization'] as const,
  members: ['members'] as const,
  subscription: ['subscription'] as const,
  sessions: ['sessions'] as const,
};

export function useAccounts() {
  return useQuery({
    queryKey: keys.accounts,
    queryFn: () => unwrap(api.GET('/api/social-accounts')),
  });
}

export function useStorageUsage() {
  return useQuery({
    queryKey: keys.storage,
    queryFn: () => unwrap(api.GET('/api/media/storage-usage')),
  });
}
