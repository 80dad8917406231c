import { useSyncExternalStore } from 'react';
import { session, type SessionState } from './session';

export function useSession(): SessionState {
  return useSyncExternalStore(session.subscribe, session.get, session.get);
}

/** The signed-in session; only call below a route guard. */
export function useAuthed() {
  const state = useSession();
  if (state.status !== 'authenticated') throw new Error('useAuthed() outside a guarded route');
  return state;
}
