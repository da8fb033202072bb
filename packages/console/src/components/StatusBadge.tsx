import type { Tone } from '../lib/appStatus.js';

interface StatusBadgeProps {
  tone: Tone;
  children: string;
}

/** A coloured dot and a word; the word carries the meaning, the colour only repeats it. */
export function StatusBadge({ tone, children }: StatusBadgeProps) {
  return (
    <span className={`badge badge-${tone}`}>
      <span className="badge-dot" aria-hidden="true" />
      {children}
    </span>
  );
}
