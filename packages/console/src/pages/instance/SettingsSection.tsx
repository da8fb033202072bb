/** Not built yet. */
export function SettingsSection() {
  return (
    <section className="panel" aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <p className="empty">This page is not built yet.</p>
    </section>
  );
}
