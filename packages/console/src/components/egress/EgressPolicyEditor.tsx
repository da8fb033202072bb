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
  /** As saved (it changes under the editor when a host is allowed from the feed). */
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
  // The saved lists the draft started from, to notice when they change underneath it.
  const [base, setBase] = useState({ allow: policy.allow, deny: policy.deny });
  const same = (a: readonly string[], b: readonly string[]) =>
    JSON.stringify(a) === JSON.stringify(b);
  const dirty = !same(allow, base.allow) || !same(deny, base.deny);
  if (!same(base.allow, policy.allow) || !same(base.deny, policy.deny)) {
    // Saved elsewhere (the feed's "Allow this host", another tab): an untouched draft follows;
    // an edited one keeps its edits and gains the hosts that were added.
    setBase({ allow: policy.allow, deny: policy.deny });
    if (!dirty) {
      setAllow(policy.allow);
      setDeny(policy.deny);
    } else {
      const gained = (saved: string[], before: string[], draft: HostRows) => [
        ...draft,
        ...saved.filter((h) => !before.includes(h) && !draft.includes(h)),
      ];
      setAllow(gained(policy.allow, base.allow, allow));
      setDeny(gained(policy.deny, base.deny, deny));
    }
  }

  const rejected = save.isError ? rejectedEntry(errorMessage(save.error)) : null;
  const invalidRow = (list: 'allow' | 'deny') =>
    rejected?.list === list ? (sentRows[list][rejected.index] ?? null) : null;

  function submit(event: FormEvent): void {
    event.preventDefault();
    const a = hostsToSend(allow);
    const d = hostsToSend(deny);
    setSentRows({ allow: a.rowOf, deny: d.rowOf });
    save.mutate(
      { allow: a.hosts, deny: d.hosts },
      {
        // What the daemon keeps (trimmed, lower case) is what the rows show from now on.
        onSuccess: (saved) => {
          setAllow(saved.allow);
          setDeny(saved.deny);
          setBase({ allow: saved.allow, deny: saved.deny });
        },
      },
    );
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
              setAllow(base.allow);
              setDeny(base.deny);
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
