import { useWakeApp } from '../api/apps.js';
import { ErrorNotice } from './ErrorNotice.js';

/** Starts a stopped (or failed) app's sandbox again. */
export function WakeButton({ appId, label }: { appId: string; label: string }) {
  const wake = useWakeApp(appId);
  return (
    <>
      <button
        type="button"
        data-testid="wake"
        disabled={wake.isPending}
        onClick={() => wake.mutate()}
      >
        {wake.isPending ? 'Waking…' : label}
      </button>
      {wake.isError && <ErrorNotice error={wake.error} title="Could not wake the app" />}
    </>
  );
}
