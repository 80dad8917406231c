import { useEffect, useRef, type ReactNode } from 'react';

/** A value of a mailed link's fragment (`#token=…`), which no server or Referer sees. */
export function fragmentValue(hash: string, key: string): string {
  return new URLSearchParams(hash.replace(/^#/, '')).get(key) ?? '';
}

/** Spends a mailed link's token once, as its page opens: a second render or effect sends nothing more. */
export function useSpendOnce(token: string | null | undefined, spend: (token: string) => void) {
  const sent = useRef(false);
  useEffect(() => {
    if (token && !sent.current) {
      sent.current = true;
      spend(token);
    }
  }, [token, spend]);
}

/** The frame of a page a mailed link opens. */
export function LinkPage({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="auth-page">
      <div className="auth-card">
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}
