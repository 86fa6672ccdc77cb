/** Who is signed in, from the ID token: groups decide what the UI offers (the API decides what is allowed). */

export const ADMIN_GROUP = 'Admin';

export interface UserInfo {
  sub: string;
  username: string;
  email: string | null;
  groups: string[];
}

/** `cognito:groups` is an array in real tokens; tolerate a single string. */
export function groupsFromClaims(claims: Record<string, unknown> | undefined): string[] {
  const raw = claims?.['cognito:groups'];
  if (Array.isArray(raw)) return raw.filter((g): g is string => typeof g === 'string');
  if (typeof raw === 'string' && raw) return [raw];
  return [];
}

export const isAdmin = (user: Pick<UserInfo, 'groups'> | null | undefined): boolean =>
  Boolean(user?.groups.includes(ADMIN_GROUP));

/** Whether a scan's owner field ("<sub>::<username>", or either part) is this user. */
export function isOwnedBy(owner: string | null | undefined, user: Pick<UserInfo, 'sub' | 'username'>): boolean {
  if (!owner) return false;
  const parts = owner.split('::');
  return parts.includes(user.sub) || parts.includes(user.username);
}
