import { useState } from 'react';
import { useMarkRead, useNotifications } from '../api/notifications.js';
import { useUserspaceApps } from '../api/userspaceApps.js';
import { timeAgo } from '../lib/time.js';

/** The bell in the header: apps' notifications (app.notify), polled, with the unread count. */
export function NotificationsMenu() {
  const notifications = useNotifications();
  const markRead = useMarkRead();
  const apps = useUserspaceApps();
  const nameOf = (appId: string) => apps.data?.items.find((a) => a.id === appId)?.name;
  const [open, setOpen] = useState(false);
  // Until the route answers (or if it fails), no bell: nothing is known to be unread.
  if (!notifications.data) return null;
  const { items, unread } = notifications.data;
  return (
    <div className="notifications">
      <button
        type="button"
        className="button-quiet"
        data-testid="notifications-toggle"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        Notifications
        {unread > 0 && (
          <span className="unread-count" data-testid="notifications-unread">
            {unread}
          </span>
        )}
      </button>
      {open && (
        <div className="notifications-list" data-testid="notifications-list">
          {items.length === 0 && <p className="muted">Nothing yet.</p>}
          {items.map((n) => (
            <div
              key={n.id}
              className={`notification${!n.read ? ' notification-unread' : ''}`}
              data-testid="notification"
            >
              <strong>{n.title}</strong>
              {nameOf(n.app_id) && <span className="muted small"> · {nameOf(n.app_id)}</span>}
              <span className="muted small"> · {timeAgo(n.created_at)}</span>
              {n.body && <p>{n.body}</p>}
              {!n.read && (
                <button
                  type="button"
                  className="link-button"
                  onClick={() => markRead.mutate(n.id)}
                  disabled={markRead.isPending}
                >
                  Mark read
                </button>
              )}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
