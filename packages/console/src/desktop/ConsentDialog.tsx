import { useEffect, useState } from 'react';
import type { ProvenanceTier } from '@paddock/shared';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { describeCapability } from '../lib/capabilities.js';
import { ProvenanceBadge } from './ProvenanceBadge.js';

interface ConsentDialogProps {
  /** What is being decided, e.g. "Notes asks for a permission". */
  title: string;
  appName: string;
  tier: ProvenanceTier;
  granted: readonly string[];
  /** What the app would be given. */
  asks: readonly string[];
  /** What an update no longer needs (shown, nothing to decide). */
  drops?: readonly string[];
  acceptLabel?: string;
  declineLabel?: string;
  busy?: boolean;
  error?: unknown;
  onAccept: () => void;
  onDecline: () => void;
}

/**
 * How long the answer buttons stay disabled after the dialog appears: an app can make the
 * dialog appear at a moment of its choosing, and a click meant for the app must not land on
 * Allow.
 */
export const CONSENT_ARMING_MS = 600;

/** A modal question: may this app have these capabilities? Nothing is granted until Allow. */
export function ConsentDialog(props: ConsentDialogProps) {
  const { asks, drops = [] } = props;
  const [armed, setArmed] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setArmed(true), CONSENT_ARMING_MS);
    return () => clearTimeout(timer);
  }, []);
  return (
    <div className="dialog-backdrop">
      <div
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="consent-title"
        data-testid="consent-dialog"
      >
        <h2 id="consent-title">{props.title}</h2>
        <p>
          <strong data-testid="consent-app-name">{props.appName}</strong>{' '}
          <ProvenanceBadge tier={props.tier} granted={props.granted} />
        </p>
        {asks.length > 0 && (
          <>
            <p>It asks to:</p>
            <ul className="capability-list">
              {asks.map((capability) => (
                <li key={capability} data-testid="consent-capability" data-capability={capability}>
                  <code>{capability}</code>: {describeCapability(capability)}
                </li>
              ))}
            </ul>
          </>
        )}
        {drops.length > 0 && (
          <p className="muted small" data-testid="consent-drops">
            No longer needs: {drops.join(', ')}
          </p>
        )}
        {props.error !== undefined && props.error !== null && (
          <ErrorNotice error={props.error} title="Could not record the answer" />
        )}
        <div className="actions">
          <button
            type="button"
            data-testid="consent-accept"
            disabled={props.busy || !armed}
            onClick={props.onAccept}
          >
            {props.acceptLabel ?? 'Allow'}
          </button>
          <button
            type="button"
            className="button-quiet"
            data-testid="consent-decline"
            disabled={props.busy || !armed}
            onClick={props.onDecline}
          >
            {props.declineLabel ?? 'Decline'}
          </button>
        </div>
      </div>
    </div>
  );
}
