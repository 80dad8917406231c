import { useState } from 'react';
import { Button, ConfirmAction, Empty, QueryState } from '@/components/ui';
import { formatDateTime } from '@/lib/format';
import { useInvitations, useRevokeInvitation, type Invitation } from '../api/portal';

/** Invitations not used yet, newest first, each revocable: its link then stops working. */
export function InvitationsList() {
  const invitations = useInvitations();
  const revoke = useRevokeInvitation();
  const [target, setTarget] = useState<Invitation | null>(null);
  return (
    <>
      <QueryState query={invitations} loading="Loading invitations…">
        {(data) =>
          data.items.length === 0 ? (
            <Empty title="No open invitations">Invite a customer's contact from the customer's page.</Empty>
          ) : (
            <ul className="stack" aria-label="Open invitations">
              {data.items.map((invitation) => (
                <li key={invitation.id} className="note row">
                  <div className="note-meta">
                    <span className="note-author">{invitation.email}</span>
                    <span>for {invitation.customer_name}</span>
                    <span>
                      until <time dateTime={invitation.expires_at}>{formatDateTime(invitation.expires_at)}</time>
                    </span>
                  </div>
                  <Button onClick={() => setTarget(invitation)} aria-label={`Revoke the invitation of ${invitation.email}`}>
                    Revoke
                  </Button>
                </li>
              ))}
            </ul>
          )
        }
      </QueryState>
      <ConfirmAction
        target={target}
        onClose={() => setTarget(null)}
        title={(t) => `Revoke the invitation of ${t.email}?`}
        message="Its link stops working. You can invite the address again later."
        confirmLabel="Revoke"
        action={revoke}
        done="Invitation revoked"
      />
    </>
  );
}
