import type { Task } from '@paddock/shared';
import { verdictBadges } from '../lib/taskStatus.js';
import { StatusBadge } from './StatusBadge.js';

/** A finished task's verdict as badges: build, preview, health, files changed, duration. */
export function TaskVerdict({ task, compact = false }: { task: Task; compact?: boolean }) {
  const badges = verdictBadges(task);
  if (badges.length === 0) return null;
  return (
    <ul
      className={compact ? 'verdict verdict-compact' : 'verdict'}
      aria-label="Verdict"
      data-testid="task-verdict"
    >
      {badges.map((badge) => (
        <li
          key={badge.id}
          className={`verdict-badge verdict-${badge.tone}`}
          data-testid="verdict-badge"
          data-verdict={badge.id}
        >
          <StatusBadge tone={badge.tone}>{badge.label}</StatusBadge>
        </li>
      ))}
    </ul>
  );
}
