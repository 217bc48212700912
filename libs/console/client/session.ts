/**
 * The signed-in key lives in sessionStorage only: it is gone when the tab closes, and it never
 * reaches localStorage or a cookie, so no other tab or later visitor finds it.
 */
export interface Session {
  key: string;
  role: 'admin' | 'program';
  /** The program a program key reaches. */
  programId?: string;
}

const STORAGE_KEY = 'partner-ledger.console.session';

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    const session = raw ? (JSON.parse(raw) as Session) : null;
    return session && typeof session.key === 'string' ? session : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
