import { useState, type ReactNode } from 'react';
import { Button, Card, FormError, TextArea, toast, UpdateList } from '@/components/ui';
import { formatDateTime } from '@/lib/format';
import { useFormState } from '@/lib/forms';
import type { JobDetail } from '@/lib/api/types';
import { useCreateNote } from '../api/notes';
import { noteSchema } from './schemas';

/** The job's notes, newest first; `files` renders a note's files (the attachments feature, composed by the route). */
export function NotesList({ notes, files }: { notes: JobDetail['notes']; files?: (noteId: string) => ReactNode }) {
  if (notes.length === 0) return <p className="muted">No notes yet.</p>;
  return (
    <ol className="notes" aria-label="Notes">
      {[...notes]
        .sort((a, b) => b.created_at.localeCompare(a.created_at))
        .map((note) => (
          <li key={note.id} className="note">
            <div className="note-meta">
              <span className="note-author">{note.author?.name ?? 'Former user'}</span>
              <time dateTime={note.created_at}>{formatDateTime(note.created_at)}</time>
              {note.visibility === 'customer' ? (
                <span className="pill pill-info">Visible to customer</span>
              ) : (
                <span className="pill pill-neutral">Internal</span>
              )}
            </div>
            <p className="note-body">{note.body}</p>
            {files?.(note.id)}
          </li>
        ))}
    </ol>
  );
}

/** The notes a customer may see (the server sends only those), as "Updates"; nothing when there are none. */
export function CustomerUpdates({ notes }: { notes: JobDetail['notes'] }) {
  if (notes.length === 0) return null;
  return (
    <Card title="Updates">
      <UpdateList updates={notes} />
    </Card>
  );
}

export function AddNoteForm({ jobId, large }: { jobId: string; large?: boolean }) {
  const create = useCreateNote(jobId);
  const form = useFormState();
  const [body, setBody] = useState('');
  const [forCustomer, setForCustomer] = useState(false);

  async function onSubmit(event: React.FormEvent) {
    event.preventDefault();
    await form.submit(noteSchema, { body, visibility: forCustomer ? 'customer' : 'internal' }, async (input) => {
      await create.mutateAsync(input);
      setBody('');
      setForCustomer(false);
      toast('Note added');
    });
  }

  return (
    <form className="stack add-note" onSubmit={onSubmit} noValidate onChange={form.clearEdited}>
      <FormError message={form.formError} />
      <TextArea
        label="Add a note"
        name="body"
        rows={large ? 4 : 3}
        value={body}
        onChange={(e) => setBody(e.target.value)}
        errors={form.errors.body}
      />
      <div className="row row-between row-wrap">
        <label className="check-inline">
          <input type="checkbox" checked={forCustomer} onChange={(e) => setForCustomer(e.target.checked)} />
          Visible to the customer
        </label>
        <Button type="submit" variant="primary" size={large ? 'lg' : 'md'} busy={create.isPending}>
          Add note
        </Button>
      </div>
    </form>
  );
}
