import { ApiError, errorMessage } from '../api/client.js';

interface ErrorNoticeProps {
  error: unknown;
  /** What failed, e.g. "Could not create the app". */
  title?: string;
  testId?: string;
}

/** An error as the API worded it, announced to screen readers. */
export function ErrorNotice({ error, title, testId }: ErrorNoticeProps) {
  const code = error instanceof ApiError ? error.code : null;
  return (
    <div className="notice notice-error" role="alert" data-testid={testId}>
      {title && <strong>{title}: </strong>}
      {errorMessage(error)}
      {code && code !== 'network' && <span className="error-code"> ({code})</span>}
    </div>
  );
}
