import { useEffect, useState } from 'react';
import { ArchiveImportForm } from '../components/import/ArchiveImportForm.js';
import { GitImportForm } from '../components/import/GitImportForm.js';
import { Link } from '../components/Link.js';
import { paths } from '../router/routes.js';
import '../styles/import.css';

type ImportFrom = 'git' | 'archive';

const CHOICES: { value: ImportFrom; title: string; description: string }[] = [
  { value: 'git', title: 'A git repository', description: 'Cloned over https, public or private' },
  { value: 'archive', title: 'An archive file', description: 'A .zip, .tar or .tar.gz upload' },
];

/**
 * Bringing an existing project in, beside the preset picker (`/apps/new`): from git or an
 * archive. Every import is held for review, so the page it lands on shows what was detected
 * and the sandbox.yaml the app will run by, to edit before anything starts.
 */
export function ImportAppPage() {
  const [from, setFrom] = useState<ImportFrom>('git');
  useEffect(() => {
    document.title = 'Import a project · Paddock';
    return () => {
      document.title = 'Paddock';
    };
  }, []);

  return (
    <main className="page page-narrow">
      <p>
        <Link to={paths.apps}>← Apps</Link>
      </p>
      <h1>Import a project</h1>
      <p className="muted">
        Bring a project you already have: a Vite, Next.js, Remix, Astro or SvelteKit app, an Express
        or Fastify API, a FastAPI, Flask or Django service, or a static site. Paddock looks at how
        it runs and proposes a <code>sandbox.yaml</code> for you to check before it starts. To start
        from a template instead, <Link to={paths.newApp}>pick a preset</Link>.
      </p>
      <div className="panel stack">
        <fieldset className="import-choice">
          <legend>Import from</legend>
          {CHOICES.map((choice) => (
            <label key={choice.value} className="import-choice-option">
              <input
                type="radio"
                name="import-from"
                value={choice.value}
                data-testid={`import-from-${choice.value}`}
                checked={from === choice.value}
                onChange={() => setFrom(choice.value)}
              />
              <span>
                <strong>{choice.title}</strong>
                <span className="muted small"> {choice.description}</span>
              </span>
            </label>
          ))}
        </fieldset>
        {from === 'git' ? <GitImportForm /> : <ArchiveImportForm />}
      </div>
    </main>
  );
}
