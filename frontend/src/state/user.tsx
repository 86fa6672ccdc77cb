/** The signed-in user (sub, username, email, groups) from the current ID token. */
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { fetchAuthSession } from 'aws-amplify/auth';
import { Hub } from 'aws-amplify/utils';
import { groupsFromClaims, type UserInfo } from '../lib/session';

export async function loadUserInfo(forceRefresh = false): Promise<UserInfo> {
  const { tokens } = await fetchAuthSession({ forceRefresh });
  const claims = (tokens?.idToken?.payload ?? {}) as Record<string, unknown>;
  const access = (tokens?.accessToken?.payload ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    sub: str(claims.sub) || str(access.sub),
    username: str(claims['cognito:username']) || str(access.username),
    email: str(claims.email) || null,
    groups: groupsFromClaims(claims),
  };
}

interface UserState {
  user: UserInfo | null;
  error: string | null;
  refresh: () => void;
}

const UserContext = createContext<UserState>({ user: null, error: null, refresh: () => {} });

/** Loads the user once signed in and again when Amplify refreshes the tokens (groups may change). */
export function UserProvider({ children, initialUser = null }: { children: ReactNode; initialUser?: UserInfo | null }) {
  const [user, setUser] = useState<UserInfo | null>(initialUser);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback((force = false) => {
    loadUserInfo(force)
      .then((u) => {
        setUser(u);
        setError(null);
      })
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  }, []);
  useEffect(() => {
    if (!initialUser) load();
    return Hub.listen('auth', ({ payload }) => {
      if (payload.event === 'tokenRefresh') load();
    });
  }, [initialUser, load]);
  return <UserContext.Provider value={{ user, error, refresh: () => load(true) }}>{children}</UserContext.Provider>;
}

export const useUser = () => useContext(UserContext);
