import { createContext, useContext } from 'react';
import type { Me, Role } from './api.ts';

export interface Session {
  me: Me;
  signOut: () => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in page');
  return s;
}

export const hasRole = (me: Me, roles: readonly Role[]) => roles.includes(me.role);
