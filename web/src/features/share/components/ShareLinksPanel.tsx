import { useState } from 'react';
import { Button, Card, ConfirmAction, Pill, QueryState, toast } from '@/components/ui';
import { errorMessage } from '@/lib/api/errors';
import { formatDate, formatDateTime } from '@/lib/format';
import { useCreateShareLink, useRevokeShareLink, useShareLinks, type NewShareLink, type ShareLink } from '../api/shareLinks';

function linkState(link: ShareLink): { label: string; tone: 'success' | 'neutral' | 'danger' } {
  if (link.revoked_at) return { label: 'Revoked', tone: 'danger' };
  if (new Date(link.expires_at).getTime() <= Date.now()) return { label: 'Expired', tone: 'neutral' };
  return { label: 'Active', tone: 'success' };
}

/** Secure links for people without a login: create, copy (once), revoke. */
export function ShareLinksPanel({ jobId }: { jobId: string }) {
  const links = useShareLinks(jobId);
  const create = useCreateShareLink(jobId);
  const revoke = useRevokeShareLink(jobId);
  const [days, setDays] = useState(30);
  const [created, setCreated] = useState<NewShareLink | null>(null);
  const [revoking, setRevoking] = useState<ShareLink | null>(null);

  async function onCreate() {
    try {
      setCreated(await create.mutateAsync(days));
    } catch (error) {
      toast(`Link not created: ${errorMessage(error)}`, 'error');
    }
  }

  async function copy(url: string) {
    try {
      await navigator.clipboard.writeText(url);
      toast('Link copied');
    } catch {
      toast('Copy failed: select the link and copy it yourself', 'error');
    }
  }

  return (
    <Card title="Share links">
      <p className="muted small">Anyone with a link can see this job’s title, status, description, worker and tasks, without signing in.</p>
      <div className="row row-wrap share-create">
        <label htmlFor={`share-days-${jobId}`} className="field-label">
          Expires after
        </label>
        <select id={`share-days-${jobId}`} className="input select input-sm" value={days} onChange={(e) => setDays(Number(e.target.value))}>
          <option value={1}>1 day</option>
          <option value={7}>7 days</option>
          <option value={30}>30 days</option>
          <option value={90}>90 days</option>
        </select>
        <Button variant="primary" size="sm" onClick={onCreate} busy={create.isPending}>
          Create link
        </Button>
      </div>
      {created ? (
        <div className="share-new" role="status">
          <label htmlFor={`share-url-${jobId}`} className="field-label">
            New link (shown once — copy it now)
          </label>
          <div className="row">
            <input id={`share-url-${jobId}`} className="input input-sm mono" readOnly value={created.url} onFocus={(e) => e.currentTarget.select()} data-testid="share-url" />
            <Button size="sm" onClick={() => void copy(created.url)}>
              Copy
            </Button>
          </div>
        </div>
      ) : null}
      <QueryState query={links} loading="Loading links…">
        {(data) =>
          data.length === 0 ? (
            <p className="muted small">No links yet.</p>
          ) : (
            <ul className="share-list" aria-label="Share links">
              {data.map((link) => {
                const state = linkState(link);
                return (
                  <li key={link.id} className="share-item">
                    <div>
                      <Pill tone={state.tone}>{state.label}</Pill>{' '}
                      <span className="small">
                        Created {formatDate(link.created_at)} · expires {formatDate(link.expires_at)}
                      </span>
                      <div className="small muted">
                        Opened {link.open_count} {link.open_count === 1 ? 'time' : 'times'}
                        {link.last_opened_at ? `, last ${formatDateTime(link.last_opened_at)}` : ''}
                      </div>
                    </div>
                    {state.label === 'Active' ? (
                      <Button size="sm" variant="ghost" onClick={() => setRevoking(link)}>
                        Revoke
                      </Button>
                    ) : null}
                  </li>
                );
              })}
            </ul>
          )
        }
      </QueryState>
      <ConfirmAction
        target={revoking}
        onClose={() => setRevoking(null)}
        title={() => 'Revoke this link?'}
        message="Anyone who has it will see a “link no longer valid” page. This cannot be undone."
        confirmLabel="Revoke link"
        action={revoke}
        done="Link revoked"
        failed={(e) => `Not revoked: ${errorMessage(e)}`}
        keepOpenOnError
        onDone={(link) => {
          if (created?.id === link.id) setCreated(null);
        }}
      />
    </Card>
  );
}
