import { readableOn } from '@/lib/format';

export function StatusBadge({ name, color, final }: { name: string; color: string; final?: boolean }) {
  return (
    <span className="badge" style={{ backgroundColor: color, color: readableOn(color) }}>
      {name}
      {final ? <span className="visually-hidden"> (final)</span> : null}
    </span>
  );
}

export function Pill({ children, tone = 'neutral' }: { children: React.ReactNode; tone?: 'neutral' | 'success' | 'warning' | 'danger' | 'info' }) {
  return <span className={`pill pill-${tone}`}>{children}</span>;
}
