import type { SettingSource } from '@paddock/shared';

const TEXT: Record<SettingSource, { label: string; title: string }> = {
  default: { label: 'default', title: 'The built-in default: never changed on this instance' },
  stored: { label: 'set here', title: 'Changed on this instance and stored in its database' },
};

/** Where a setting's value comes from, as the API says. */
export function SourceBadge({ source }: { source: SettingSource | undefined }) {
  if (!source) return null;
  const { label, title } = TEXT[source];
  return (
    <span className={`source-badge source-${source}`} title={title} data-source={source}>
      {label}
    </span>
  );
}
