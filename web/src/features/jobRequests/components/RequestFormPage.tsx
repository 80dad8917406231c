import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { Button } from '@/components/ui/Button';
import { FormError, SelectField, TextArea, TextField } from '@/components/ui/Field';
import { PageHeader, useTitle } from '@/components/ui';
import { useSession } from '@/lib/auth/useSession';
import { paths } from '@/lib/paths';
import { useCreateRequest, useMoveRequest, useMyLocations, useUpdateRequest } from '../api/requests';

/** How long typing may pause before the draft is saved. */
export const AUTOSAVE_MS = 1200;

interface Draft {
  title: string;
  description: string;
  preferred_windows: string;
  urgency: string;
  /** Empty: the customer's only place (the server's choice). */
  service_location_id: string;
}

const EMPTY: Draft = { title: '', description: '', preferred_windows: '', urgency: 'normal', service_location_id: '' };

/** A new request: saved as a draft while it is written, then submitted. */
export function RequestFormPage() {
  useTitle('New request');
  const navigate = useNavigate();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [id, setId] = useState<string | null>(null);
  const [saved, setSaved] = useState<Draft | null>(null);
  const [error, setError] = useState<string | null>(null);
  const create = useCreateRequest();
  const update = useUpdateRequest();
  const move = useMoveRequest();
  const saving = useRef(false);
  const auth = useSession();
  const locations = useMyLocations(auth.status === 'authenticated' ? auth.user.customer_id : null);
  const places = locations.data?.items ?? [];

  async function save(current: Draft): Promise<string | null> {
    if (!current.title.trim()) return id;
    if (saved && JSON.stringify(saved) === JSON.stringify(current) && id) return id;
    saving.current = true;
    try {
      const { service_location_id, ...fields } = current;
      const body = { ...fields, title: current.title.trim(), ...(service_location_id ? { service_location_id } : {}) };
      const request = id ? await update.mutateAsync({ id, edit: body }) : await create.mutateAsync(body);
      setId(request.id);
      setSaved(current);
      setError(null);
      return request.id;
    } catch (e) {
      setError(e instanceof Error ? e.message : 'The draft could not be saved');
      return null;
    } finally {
      saving.current = false;
    }
  }

  // Autosave: once typing pauses, the draft is stored on the server.
  useEffect(() => {
    if (!draft.title.trim()) return;
    const timer = setTimeout(() => void save(draft), AUTOSAVE_MS);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [draft]);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!draft.title.trim()) {
      setError('Give the request a short title');
      return;
    }
    if (places.length > 1 && !draft.service_location_id) {
      setError('Choose the place the work is at');
      return;
    }
    const requestId = await save(draft);
    if (!requestId) return;
    try {
      await move.mutateAsync({ id: requestId, move: 'submit' });
      navigate(paths.portal.request(requestId));
    } catch (e) {
      setError(e instanceof Error ? e.message : 'The request could not be submitted');
    }
  }

  const set = (field: keyof Draft) => (event: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) =>
    setDraft((d) => ({ ...d, [field]: event.target.value }));

  const status = create.isPending || update.isPending ? 'Saving draft…' : id && saved ? 'Draft saved' : null;

  return (
    <div className="page page-narrow">
      <PageHeader title="New request" subtitle="Tell us what needs doing. Your draft is saved as you type." />
      <FormError message={error} />
      <form onSubmit={onSubmit} noValidate className="stack">
        <TextField label="What needs doing?" name="title" hint="A short title, e.g. “Kitchen tap drips”." value={draft.title} onChange={set('title')} required maxLength={200} />
        <TextArea label="Details" name="description" hint="What you see, since when, anything we should bring." value={draft.description} onChange={set('description')} maxLength={10000} />
        <TextField label="When suits you?" name="preferred_windows" hint="Days or times, e.g. “weekday mornings”." value={draft.preferred_windows} onChange={set('preferred_windows')} maxLength={500} />
        {places.length > 1 ? (
          <SelectField label="Where?" name="service_location_id" hint="Which of your places the work is at." value={draft.service_location_id} onChange={set('service_location_id')}>
            <option value="">Choose a place</option>
            {places.map((place) => (
              <option key={place.id} value={place.id}>
                {place.name}
              </option>
            ))}
          </SelectField>
        ) : null}
        <SelectField label="Urgency" name="urgency" value={draft.urgency} onChange={set('urgency')}>
          <option value="low">Low: whenever convenient</option>
          <option value="normal">Normal</option>
          <option value="urgent">Urgent: it cannot wait</option>
        </SelectField>
        <p role="status" className="muted">{status}</p>
        <Button type="submit" variant="primary" size="lg" block busy={move.isPending}>
          Submit request
        </Button>
      </form>
    </div>
  );
}
