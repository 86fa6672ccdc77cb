/** Everything behind sign-in (lazy-loaded: the sign-in page does not download it). */
import { Suspense, lazy, useEffect, useRef } from 'react';
import { AppHeader } from './components/AppHeader';
import { LiveRegion } from './components/LiveRegion';
import { NotFound } from './components/NotFound';
import { PageSpinner } from './components/Spinner';
import { removeImage } from './config/uploader';
import { isAdmin, type UserInfo } from './lib/session';
import { useRoute, type Route } from './lib/router';
import { ScansProvider, useScans } from './state/scans';
import { UploadsProvider } from './state/uploads';
import { UserProvider, useUser } from './state/user';
import { MyScansView } from './views/MyScansView';

const AdminView = lazy(() => import('./views/AdminView'));

const TITLES: Record<Route, string> = { '/': 'My scans', '/admin': 'All scans', 'not-found': 'Not found' };

/** Which page a route shows; the admin page exists only for members of the Admin group. */
export function Routes({ route, user, userLoading }: { route: Route; user: UserInfo | null; userLoading: boolean }) {
  if (route === '/admin') {
    if (!user && userLoading) return <PageSpinner />;
    if (!isAdmin(user)) return <NotFound />;
    return (
      <Suspense fallback={<PageSpinner label="Loading the admin view…" />}>
        <AdminView />
      </Suspense>
    );
  }
  if (route === 'not-found') return <NotFound />;
  return <MyScansView user={user} />;
}

export function Shell({ onSignOut }: { onSignOut: () => void }) {
  const route = useRoute();
  const { user, error: userError } = useUser();
  const { live, announcement } = useScans();
  const mainRef = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  useEffect(() => {
    document.title = `${TITLES[route]} · catscan`;
    // Move focus to the new page on navigation (not on first load), like a full page load would.
    if (firstRender.current) firstRender.current = false;
    else mainRef.current?.focus();
  }, [route]);

  return (
    <div className="app">
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          mainRef.current?.focus();
        }}
      >
        Skip to content
      </a>
      <AppHeader
        route={route}
        email={user?.email ?? null}
        showAdmin={isAdmin(user)}
        live={live}
        onSignOut={onSignOut}
      />
      <main id="main" ref={mainRef} tabIndex={-1} className="app-main">
        <Routes route={route} user={user} userLoading={!userError} />
      </main>
      <LiveRegion message={announcement} />
    </div>
  );
}

export default function SignedInApp({ onSignOut }: { onSignOut: () => void }) {
  return (
    <UserProvider>
      <ScansProvider removeImage={removeImage}>
        <UploadsProvider>
          <Shell onSignOut={onSignOut} />
        </UploadsProvider>
      </ScansProvider>
    </UserProvider>
  );
}
