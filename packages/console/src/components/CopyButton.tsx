import { useEffect, useState } from 'react';

interface CopyButtonProps {
  text: string;
  label: string;
  testId?: string;
}

type Copied = 'idle' | 'copied' | 'failed';

/**
 * Copies `text` to the clipboard and says so. The clipboard needs a secure context (https or
 * localhost); elsewhere the text stays shown next to the button, to be copied by hand.
 */
export function CopyButton({ text, label, testId }: CopyButtonProps) {
  const [copied, setCopied] = useState<Copied>('idle');
  useEffect(() => {
    if (copied === 'idle') return;
    const timer = setTimeout(() => setCopied('idle'), 3000);
    return () => clearTimeout(timer);
  }, [copied]);

  async function copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('copied');
    } catch {
      setCopied('failed');
    }
  }

  return (
    <span className="copy">
      <button
        type="button"
        className="button-quiet"
        data-testid={testId}
        onClick={() => void copy()}
      >
        {label}
      </button>
      <span className="muted small" role="status">
        {copied === 'copied'
          ? 'Copied.'
          : copied === 'failed'
            ? 'The browser did not allow copying: select the text and copy it.'
            : ''}
      </span>
    </span>
  );
}
