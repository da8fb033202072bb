import type { InjectRule } from '@paddock/shared';

/** The injection fields as typed: hosts in one text box, separated by commas or spaces. */
export interface InjectionDraft {
  enabled: boolean;
  hosts: string;
  header: string;
  format: string;
}

export const NO_INJECTION: InjectionDraft = {
  enabled: false,
  hosts: '',
  header: 'Authorization',
  format: 'Bearer {value}',
};

export function draftOf(rule: InjectRule | null): InjectionDraft {
  if (rule === null) return NO_INJECTION;
  return { enabled: true, hosts: rule.hosts.join(', '), header: rule.header, format: rule.format };
}

/** The rule to send, or null when injection is off. The daemon checks the rest. */
export function ruleOf(draft: InjectionDraft): InjectRule | null {
  if (!draft.enabled) return null;
  return {
    hosts: draft.hosts
      .split(/[\s,]+/)
      .map((h) => h.trim().toLowerCase())
      .filter((h) => h !== ''),
    header: draft.header.trim(),
    format: draft.format,
  };
}
