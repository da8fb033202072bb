import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiPath, requestEmpty, requestJson } from './client.js';
import { queryKeys } from './queryKeys.js';
import type { NotificationPage } from '@paddock/shared';

export const NOTIFICATIONS_POLL_MS = 5000;

export function useNotifications() {
  return useQuery({
    queryKey: queryKeys.notifications,
    queryFn: ({ signal }) => requestJson<NotificationPage>('GET', '/v1/notifications', { signal }),
    refetchInterval: NOTIFICATIONS_POLL_MS,
    select: (page) => ({ items: page.items, unread: page.items.filter((n) => !n.read).length }),
  });
}

export function useMarkRead() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => requestEmpty('POST', apiPath`/v1/notifications/${id}/read`),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.notifications }),
  });
}
