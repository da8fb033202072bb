import { ulid } from 'ulid';

/** A new sandbox's id: `sb` and a lower-case ULID (sortable by creation time). */
export function newSandboxId(): string {
  return `sb${ulid().toLowerCase()}`;
}
