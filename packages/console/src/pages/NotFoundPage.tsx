import { Link } from '../components/Link.js';
import { paths } from '../router/routes.js';

export function NotFoundPage() {
  return (
    <main className="page">
      <h1>Not found</h1>
      <p>
        Nothing lives at this address. <Link to={paths.apps}>Go to the apps.</Link>
      </p>
    </main>
  );
}
