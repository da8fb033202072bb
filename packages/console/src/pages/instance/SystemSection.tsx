/** Not built yet. */
export function SystemSection() {
  return (
    <section className="panel" aria-labelledby="system-title">
      <h2 id="system-title">System</h2>
      <p className="empty">This page is not built yet.</p>
    </section>
  );
}
