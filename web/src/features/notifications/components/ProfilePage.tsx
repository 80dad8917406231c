import { Card, CheckboxField, PageHeader, QueryState, toast, useTitle } from '@/components/ui';
import { usePreferences, useSavePreferences } from '../api/preferences';

/** The signed-in person's own settings: for now, whether notification mails come. */
export function ProfilePage() {
  useTitle('Profile');
  const preferences = usePreferences();
  const save = useSavePreferences();
  return (
    <div className="page page-narrow">
      <PageHeader title="Profile" />
      <Card title="Notification mails">
        <QueryState query={preferences} loading="Loading your settings…">
          {(data) => (
            <CheckboxField
              label="Mail me about new messages, job status changes and decisions on my requests"
              hint="Mails about your account (confirmation, password reset, approval) always come."
              checked={data.mail_notifications}
              disabled={save.isPending}
              onChange={(e) =>
                save.mutate(
                  { mail_notifications: e.target.checked },
                  { onSuccess: (saved) => toast(saved.mail_notifications ? 'Notification mails on' : 'Notification mails off') },
                )
              }
            />
          )}
        </QueryState>
      </Card>
    </div>
  );
}
