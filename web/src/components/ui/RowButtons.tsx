import { Button } from './Button';

/** A row's "Edit", named for the row ("Edit Harbor Bistro"). */
export function EditButton({ name, onClick }: { name: string; onClick: () => void }) {
  return (
    <Button size="sm" onClick={onClick} aria-label={`Edit ${name}`}>
      Edit
    </Button>
  );
}

/** A row's "Delete", named for the row; it should ask first (ConfirmAction). */
export function DeleteButton({ name, onClick }: { name: string; onClick: () => void }) {
  return (
    <Button size="sm" variant="ghost" onClick={onClick} aria-label={`Delete ${name}`}>
      Delete
    </Button>
  );
}

function Arrow({ d }: { d: string }) {
  return (
    <svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2">
      <path d={d} />
    </svg>
  );
}

interface MoveButtonsProps {
  index: number;
  count: number;
  /** Names the item in the buttons' labels: "Move {label} up". */
  label: string;
  busy: boolean;
  onMove: (index: number, delta: -1 | 1) => void;
}

/** Up and down arrows for an item of an ordered list; the first cannot go up, the last not down. */
export function MoveButtons({ index, count, label, busy, onMove }: MoveButtonsProps) {
  return (
    <>
      <button type="button" className="icon-btn" onClick={() => onMove(index, -1)} disabled={index === 0 || busy} aria-label={`Move ${label} up`}>
        <Arrow d="M6 15l6-6 6 6" />
      </button>
      <button type="button" className="icon-btn" onClick={() => onMove(index, 1)} disabled={index === count - 1 || busy} aria-label={`Move ${label} down`}>
        <Arrow d="M6 9l6 6 6-6" />
      </button>
    </>
  );
}
