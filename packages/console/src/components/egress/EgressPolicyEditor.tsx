import { useState, type FormEvent } from 'react';
import type { EgressPolicy } from '@paddock/shared';
import { errorMessage } from '../../api/client.js';
import { useSetEgressPolicy } from '../../api/egress.js';
import { fullTime, timeAgo } from '../../lib/time.js';
import { ErrorNotice } from '../ErrorNotice.js';
import { HostListEditor } from './HostListEditor.js';
import { hostsToSend, rejectedEntry, type HostRows } from './hostRows.js';

interface EgressPolicyEditorProps {
  appId: string;
  /** As saved; the editor is remounted when it changes, so it starts from what is in force. */
  policy: EgressPolicy;
}

/** The app's own allow and deny lists, edited as rows and saved together (PUT). */
export function EgressPolicyEditor({ appId, policy }: EgressPolicyEditorProps) {
  const save = useSetEgressPolicy(appId);
  const [allow, setAllow] = useState<HostRows>(policy.allow);
  const [deny, setDeny] = useState<HostRows>(policy.deny);
  // Which draft row each sent host came from, to point at the one the daemon refused.
  const [sentRows, setSentRows] = useState<{ allow: number[]; deny: number[] }>({
    allow: [],
    deny: [],
  });
  const dirty =
    JSON.stringify(allow) !== JSON.stringify(policy.allow) ||
    JSON.stringify(deny) !== JSON.stringify(policy.deny);

  const rejected = save.isError ? rejectedEntry(errorMessage(save.error)) : null;
  const invalidRow = (list: 'allow' | 'deny') =>
    rejected?.list === list ? (sentRows[list][rejected.index] ?? null) : null;

  function submit(event: FormEvent): void {
    event.preventDefault();
    const a = hostsToSend(allow);
    const d = hostsToSend(deny);
    setSentRows({ allow: a.rowOf, deny: d.rowOf });
    save.mutate({ allow: a.hosts, deny: d.hosts });
  }

  return (
    <form className="egress-editor" aria-label="Egress lists" onSubmit={submit}>
      <div className="egress-lists">
        <HostListEditor
          list="allow"
          title="Allowed hosts"
          hint="The app's processes may connect to these (and to what its manifest allows)."
          rows={allow}
          invalidRow={invalidRow('allow')}
          onChange={setAllow}
        />
        <HostListEditor
          list="deny"
          title="Denied hosts"
          hint="Refused even when an allow entry or the manifest matches them."
          rows={deny}
          invalidRow={invalidRow('deny')}
          onChange={setDeny}
        />
      </div>
      {save.isError && (
        <ErrorNotice
          error={save.error}
          title="The daemon did not accept these lists; nothing was changed"
          testId="egress-save-error"
        />
      )}
      <div className="actions">
        <button type="submit" disabled={save.isPending || !dirty} data-testid="egress-save">
          {save.isPending ? 'Saving…' : 'Save lists'}
        </button>
        {dirty && (
          <button
            type="button"
            className="button-quiet"
            disabled={save.isPending}
            onClick={() => {
              save.reset();
              setAllow(policy.allow);
              setDeny(policy.deny);
            }}
          >
            Discard changes
          </button>
        )}
        <span
          className="muted small"
          title={fullTime(policy.updated_at)}
          data-testid="egress-saved"
        >
          {dirty
            ? 'Unsaved changes.'
            : policy.updated_at
              ? `Saved ${timeAgo(policy.updated_at)}; in force for running processes.`
              : 'Nothing set yet: the app reaches only what its manifest allows.'}
        </span>
      </div>
    </form>
  );
}
