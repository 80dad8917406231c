import { formatDateTime } from '@/lib/format';

/** Dated messages for a customer, as the server lists them: a job's customer-visible notes. */
export function UpdateList({ updates }: { updates: readonly { id?: string; created_at: string; body: string }[] }) {
  return (
    <ol className="notes">
      {updates.map((update, index) => (
        <li key={update.id ?? index} className="note">
          <div className="note-meta">
            <time dateTime={update.created_at}>{formatDateTime(update.created_at)}</time>
          </div>
          <p className="note-body">{update.body}</p>
        </li>
      ))}
    </ol>
  );
}
