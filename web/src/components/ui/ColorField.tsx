import type { ReactNode } from 'react';

export const PALETTE = ['#64748b', '#2563eb', '#0891b2', '#16a34a', '#ca8a04', '#ea580c', '#dc2626', '#9333ea'];

/** A colour chosen from swatches or a native picker, with a preview beside it (statuses, branches). */
export function ColorField({
  id,
  color,
  onChange,
  errors,
  preview,
}: {
  id: string;
  color: string;
  onChange: (color: string) => void;
  errors?: string[];
  preview?: ReactNode;
}) {
  return (
    <div className="field">
      <span className="field-label" id={`${id}-label`}>
        Color
      </span>
      <div className="row row-wrap" role="group" aria-labelledby={`${id}-label`}>
        {PALETTE.map((c) => (
          <button
            key={c}
            type="button"
            className={`swatch ${c === color ? 'swatch-on' : ''}`}
            style={{ backgroundColor: c }}
            aria-label={`Color ${c}`}
            aria-pressed={c === color}
            onClick={() => onChange(c)}
          />
        ))}
        <label className="swatch-custom">
          <span className="visually-hidden">Custom color</span>
          <input type="color" value={color} onChange={(e) => onChange(e.target.value)} />
        </label>
        {preview}
      </div>
      {errors ? (
        <p className="field-error" role="alert">
          {errors.join('; ')}
        </p>
      ) : null}
    </div>
  );
}
