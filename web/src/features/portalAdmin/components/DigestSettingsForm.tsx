import { useState } from 'react';
import { Button, CheckboxField, FormError, QueryState, toast } from '@/components/ui';
import { SelectField } from '@/components/ui/Field';
import { errorMessage } from '@/lib/api/errors';
import { useAdmins, useDigest, useSaveDigest, type DigestSettings } from '../api/portal';

const HOURS = Array.from({ length: 24 }, (_, hour) => hour);

/** Who of the admins gets the daily mail of waiting requests, and from which hour (UTC). */
export function DigestCard() {
  const digest = useDigest();
  return (
    <QueryState query={digest} loading="Loading the digest…">
      {(data) => <DigestSettingsForm key={`${data.hour}-${data.recipient_ids.join()}`} digest={data} />}
    </QueryState>
  );
}

function DigestSettingsForm({ digest }: { digest: DigestSettings }) {
  const admins = useAdmins();
  const save = useSaveDigest();
  const [hour, setHour] = useState(digest.hour);
  const [chosen, setChosen] = useState<string[]>(digest.recipient_ids);
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(event: React.FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      await save.mutateAsync({ hour, recipient_ids: chosen });
      toast('Digest saved');
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  return (
    <form className="stack" onSubmit={onSubmit} noValidate aria-label="Daily digest">
      <p className="muted">
        Once a day, the admins chosen here get one mail listing the requests waiting for review, oldest first. Nothing
        waiting, no mail.
      </p>
      <FormError message={error} />
      <SelectField label="Send it from" name="digest_hour" value={hour} onChange={(e) => setHour(Number(e.target.value))}>
        {HOURS.map((h) => (
          <option key={h} value={h}>
            {`${String(h).padStart(2, '0')}:00 UTC`}
          </option>
        ))}
      </SelectField>
      <fieldset className="stack">
        <legend>Who receives it</legend>
        <QueryState query={admins} loading="Loading the admins…">
          {(data) => (
            <>
              {data.items
                .filter((admin) => admin.is_active)
                .map((admin) => (
                  <CheckboxField
                    key={admin.id}
                    label={`${admin.name} (${admin.email})`}
                    checked={chosen.includes(admin.id)}
                    onChange={(e) =>
                      setChosen(e.target.checked ? [...chosen, admin.id] : chosen.filter((id) => id !== admin.id))
                    }
                  />
                ))}
            </>
          )}
        </QueryState>
      </fieldset>
      {digest.last_run ? (
        <p className="muted" data-testid="digest-last-run">
          Last digest: {digest.last_run.digest_date}, {digest.last_run.requests} waiting, {digest.last_run.mails} sent.
        </p>
      ) : null}
      <div className="row">
        <Button type="submit" variant="primary" busy={save.isPending}>
          Save digest
        </Button>
      </div>
    </form>
  );
}
