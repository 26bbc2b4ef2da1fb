import { createContext, useContext } from 'react';
import { api, getToken, setToken, type Me, type Role } from './api.ts';

export interface Session {
  me: Me;
  signOut: () => void;
  /** the identity after a password change (which ends the old session and starts a new one) */
  replace: (me: Me) => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in page');
  return s;
}

export const hasRole = (me: Me, roles: readonly Role[]) => roles.includes(me.role);

/**
 * Sign-out ends the session on the server (POST /api/v1/auth/logout), not only in this tab: a copied token is then
 * worthless. The local token goes whatever the server answers.
 */
export async function endSession(): Promise<void> {
  if (getToken()) await api.post('/api/v1/auth/logout').catch(() => undefined);
  setToken(null);
}
