import { useEffect, useState } from 'react';
import { Button, Card, CheckboxField, FormError, QueryState, TextArea } from '@/components/ui';
import { formatDateTime } from '@/lib/format';
import { useFormState } from '@/lib/forms';
import { useMarkRead, useMessages, usePostMessage, useUnread, type Message, type Thread } from '../api/messages';
import { messageSchema } from './schemas';

const ROLE = { ADMIN: 'Staff', WORKER: 'Staff', CUSTOMER: 'Customer' } as Record<string, string>;

/**
 * The conversation of a request or a job. Staff (`staff`) may write internal
 * notes, which the server never sends to a customer. Opening it marks it read.
 */
export function Conversation({ thread, staff, large }: { thread: Thread; staff: boolean; large?: boolean }) {
  const messages = useMessages(thread);
  const markRead = useMarkRead(thread);
  const count = messages.data?.items.length;
  const { mutate } = markRead;
  useEffect(() => {
    if (count !== undefined) mutate();
  }, [count, mutate]);
  return (
    <Card title="Conversation">
      <QueryState query={messages} loading="Loading the conversation…">
        {(page) => <MessageList messages={page.items} />}
      </QueryState>
      <MessageForm thread={thread} staff={staff} large={large} />
    </Card>
  );
}

export function MessageList({ messages }: { messages: Message[] }) {
  if (messages.length === 0) return <p className="muted">No messages yet.</p>;
  return (
    <ol className="notes" aria-label="Messages">
      {messages.map((message) => (
        <li key={message.id} className={message.internal ? 'note note-internal' : 'note'}>
          <div className="note-meta">
            <span className="note-author">{message.author_name}</span>
            <span className="pill pill-neutral">{ROLE[message.author_role] ?? message.author_role}</span>
            <time dateTime={message.created_at}>{formatDateTime(message.created_at)}</time>
            {message.internal ? <span className="pill pill-warning">Internal note</span> : null}
          </div>
          <p className="note-body">{message.body}</p>
        </li>
      ))}
    </ol>
  );
}

/** `large`: phone-sized touch targets (the worker's page). */
function MessageForm({ thread, staff, large }: { thread: Thread; staff: boolean; large?: boolean }) {
  const post = usePostMessage(thread);
  const form = useFormState();
  const [body, setBody] = useState('');
  const [internal, setInternal] = useState(false);

  async function onSubmit(event: React.FormEvent) {
    event.preventDefault();
    await form.submit(messageSchema, { body, internal: staff && internal }, async (input) => {
      await post.mutateAsync(input);
      setBody('');
      setInternal(false);
    });
  }

  return (
    <form className="stack add-note" onSubmit={onSubmit} noValidate onChange={form.clearEdited} data-testid="message-form">
      <FormError message={form.formError} />
      <TextArea
        label={internal ? 'Internal note (staff only)' : 'Write a message'}
        name="body"
        rows={3}
        value={body}
        onChange={(e) => setBody(e.target.value)}
        errors={form.errors.body}
      />
      <div className="row row-between row-wrap">
        {staff ? (
          <CheckboxField
            label="Internal note: the customer never sees it"
            checked={internal}
            onChange={(e) => setInternal(e.target.checked)}
          />
        ) : (
          <span />
        )}
        <Button type="submit" variant="primary" size={large ? 'lg' : 'md'} busy={post.isPending}>
          {internal ? 'Add note' : 'Send'}
        </Button>
      </div>
    </form>
  );
}

/** The caller's unread messages, for the header: nothing when there are none. */
export function UnreadBadge() {
  const unread = useUnread();
  const total = unread.data?.total ?? 0;
  if (total === 0) return null;
  return (
    <span className="pill pill-info" aria-label={`${total} unread messages`} data-testid="unread-badge">
      {total}
    </span>
  );
}
