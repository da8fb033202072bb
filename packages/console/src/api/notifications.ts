import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiPath, requestEmpty, requestJson } from './client.js';
import { queryKeys } from './queryKeys.js';

/** A notification an app raised with app.notify (the broker's notifications route). */
export interface AppNotification {
  id: string;
  app_id?: string;
  app_name?: string;
  title: string;
  body?: string | null;
  created_at?: string;
  read_at?: string | null;
  read?: boolean;
}

interface NotificationList {
  items: AppNotification[];
  unread?: number;
}

export const NOTIFICATIONS_POLL_MS = 5000;

export function isUnread(n: AppNotification): boolean {
  return n.read !== true && !n.read_at;
}

export function useNotifications() {
  return useQuery({
    queryKey: queryKeys.notifications,
    queryFn: ({ signal }) => requestJson<NotificationList>('GET', '/v1/notifications', { signal }),
    refetchInterval: NOTIFICATIONS_POLL_MS,
    select: (list) => ({
      items: list.items,
      unread: typeof list.unread === 'number' ? list.unread : list.items.filter(isUnread).length,
    }),
  });
}

export function useMarkRead() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => requestEmpty('POST', apiPath`/v1/notifications/${id}/read`),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.notifications }),
  });
}
