import type { ReactNode } from 'react';

/** The filter bar above a list: a search landmark named after what it filters. */
export function Filters({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="filters" role="search" aria-label={label}>
      {children}
    </div>
  );
}

/** The list's search box, labelled "Search". */
export function SearchFilter({ id, placeholder, value, onChange }: { id: string; placeholder: string; value: string; onChange: (value: string) => void }) {
  return (
    <div className="field filter-search">
      <label htmlFor={id} className="field-label">
        Search
      </label>
      <input id={id} type="search" className="input" placeholder={placeholder} value={value} onChange={(e) => onChange(e.target.value)} />
    </div>
  );
}

/** A labelled select that narrows the list: first `all` (no filter, the value ""), then `children`, its options. */
export function SelectFilter({ id, label, all, value, onChange, children }: { id: string; label: string; all: string; value: string; onChange: (value: string) => void; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <select id={id} className="input select" value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{all}</option>
        {children}
      </select>
    </div>
  );
}
