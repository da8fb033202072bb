import type { Session } from '@paddock/shared';
import { errorMessage } from './api/client.js';
import { useSession } from './api/session.js';
import { Header } from './components/Header.js';
import { AppListPage } from './pages/AppListPage.js';
import { AppPage } from './pages/AppPage.js';
import { DesktopPage } from './pages/DesktopPage.js';
import { ImportAppPage } from './pages/ImportAppPage.js';
import { InstancePage } from './pages/InstancePage.js';
import { NewAppPage } from './pages/NewAppPage.js';
import { NotFoundPage } from './pages/NotFoundPage.js';
import { SignInPage } from './pages/SignInPage.js';
import { UserspaceAppPage } from './pages/UserspaceAppPage.js';
import { useRoute } from './router/navigation.js';

function RouteView({ session }: { session: Session }) {
  const route = useRoute();
  switch (route.name) {
    case 'apps':
      return <AppListPage />;
    case 'new-app':
      return <NewAppPage />;
    case 'import-app':
      return <ImportAppPage />;
    case 'app':
      return <AppPage key={route.id} id={route.id} tab={route.tab} />;
    case 'desktop':
      return <DesktopPage />;
    case 'userspace-app':
      return <UserspaceAppPage key={route.id} id={route.id} />;
    case 'instance':
      return <InstancePage section={route.section} session={session} />;
    case 'not-found':
      return <NotFoundPage />;
  }
}

/** Signed out: the sign-in screen, whatever the address. Signed in: the routed page. */
export function App() {
  const session = useSession();

  if (session.isPending) return <p className="splash muted">Loading…</p>;
  if (session.isError) {
    return (
      <main className="signin">
        <div className="notice notice-error" role="alert">
          Could not check the session: {errorMessage(session.error)}
        </div>
        <button type="button" onClick={() => void session.refetch()}>
          Try again
        </button>
      </main>
    );
  }
  if (!session.data) return <SignInPage />;
  return (
    <>
      <Header session={session.data} />
      <RouteView session={session.data} />
    </>
  );
}
