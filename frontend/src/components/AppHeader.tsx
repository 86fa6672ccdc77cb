import type { Route } from '../lib/router';
import type { LiveStatus } from '../state/scans';
import { Logo } from './Logo';

const LIVE_TEXT: Record<LiveStatus, string> = {
  connecting: 'Connecting…',
  connected: 'Live',
  disrupted: 'Reconnecting…',
  unavailable: 'Live updates off',
};

export interface AppHeaderProps {
  route: Route;
  email: string | null;
  showAdmin: boolean;
  live: LiveStatus;
  onSignOut: () => void;
}

export function AppHeader({ route, email, showAdmin, live, onSignOut }: AppHeaderProps) {
  return (
    <header className="app-header">
      <div className="app-header-inner">
        <a className="brand" href="#/">
          <Logo />
          <span className="brand-name">catscan</span>
        </a>
        <nav className="main-nav" aria-label="Main">
          <a href="#/" aria-current={route === '/' ? 'page' : undefined}>
            My scans
          </a>
          {showAdmin && (
            <a href="#/admin" aria-current={route === '/admin' ? 'page' : undefined}>
              All scans
            </a>
          )}
        </nav>
        <div className="account">
          <span className={`live live-${live}`} title="Realtime updates" data-testid="live-status">
            <span className="live-dot" aria-hidden="true" />
            {LIVE_TEXT[live]}
          </span>
          {email && (
            <span className="account-email" title={email}>
              {email}
            </span>
          )}
          <button type="button" className="btn btn-secondary btn-sm" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </div>
    </header>
  );
}
