/** A tiny hash router: `#/` (my scans) and `#/admin`. Works from any static host without rewrites. */
import { useSyncExternalStore } from 'react';

export type Route = '/' | '/admin' | 'not-found';

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/\/+$/, '') || '/';
  if (path === '/') return '/';
  if (path === '/admin') return '/admin';
  return 'not-found';
}

const subscribe = (onChange: () => void) => {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
};

export function useRoute(): Route {
  return useSyncExternalStore(subscribe, () => parseRoute(window.location.hash), () => '/');
}

export function navigate(route: '/' | '/admin'): void {
  window.location.hash = route === '/' ? '#/' : `#${route}`;
}
