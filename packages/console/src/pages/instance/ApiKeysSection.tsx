/** Not built yet. */
export function ApiKeysSection() {
  return (
    <section className="panel" aria-labelledby="api-keys-title">
      <h2 id="api-keys-title">ApiKeys</h2>
      <p className="empty">This page is not built yet.</p>
    </section>
  );
}
