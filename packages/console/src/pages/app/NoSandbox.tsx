/** The empty state of a section that needs the app's sandbox when the app has none. */
export function NoSandbox({ what }: { what: string }) {
  return (
    <p className="empty" data-testid="no-sandbox">
      This app has no sandbox, so {what}: start it with the button above.
    </p>
  );
}
