/** Not built yet. */
export function AuditSection() {
  return (
    <section className="panel" aria-labelledby="audit-title">
      <h2 id="audit-title">Audit</h2>
      <p className="empty">This page is not built yet.</p>
    </section>
  );
}
