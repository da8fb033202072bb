const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
];

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** "3 minutes ago", "just now"; the empty string for a missing or unreadable time. */
export function timeAgo(iso: string | null, now: number = Date.now()): string {
  if (!iso) return '';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '';
  const seconds = Math.round((then - now) / 1000);
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return 'just now';
}

/** The full local date and time, for a title attribute next to a relative time. */
export function fullTime(iso: string | null): string {
  if (!iso) return '';
  const then = new Date(iso);
  return Number.isNaN(then.getTime()) ? '' : then.toLocaleString();
}
