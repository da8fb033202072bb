import type { CreatedApiKey } from '../../api/apiKeys.js';
import { CopyButton } from '../CopyButton.js';

/**
 * A new key's token, shown this once. It lives only in the page's state: dismissing it or
 * leaving the page forgets it, and the API never sends it again.
 */
export function NewKeySecret({
  created,
  onDismiss,
}: {
  created: CreatedApiKey;
  onDismiss: () => void;
}) {
  return (
    <div
      className="notice notice-warn new-key"
      role="region"
      aria-labelledby="new-key-title"
      data-testid="new-key"
    >
      <h3 id="new-key-title" className="notice-title">
        API key &ldquo;{created.key.name}&rdquo; created ({created.key.role})
      </h3>
      <p>
        <strong>Copy this token now: you will not see it again.</strong> Paddock keeps only its
        hash. Use it as <code>Authorization: Bearer …</code> or sign in to the console with it.
      </p>
      <label htmlFor="new-key-token" className="visually-hidden">
        The new token
      </label>
      <input
        id="new-key-token"
        className="token-box"
        readOnly
        value={created.token}
        spellCheck={false}
        data-testid="new-key-token"
        onFocus={(event) => event.target.select()}
      />
      <div className="actions">
        <CopyButton text={created.token} label="Copy token" testId="new-key-copy" />
        <button
          type="button"
          className="button-quiet"
          data-testid="new-key-dismiss"
          onClick={onDismiss}
        >
          I have copied it
        </button>
      </div>
    </div>
  );
}
