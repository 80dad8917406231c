import { AboutPanel, CustomFieldsList, ErrorState, Loading, MapLink, Panel, StatusBadge, UpdateList, useTitle } from '@/components/ui';
import { isApiError } from '@/lib/api/errors';
import { formatDate, formatDateTime, readableOn } from '@/lib/format';
import { sharedPhotoUrl, useSharedJob, useSharedPhotos } from '../api/share';

/** The page behind a secure link: read-only, no sign-in. */
export function SharePage({ token }: { token: string }) {
  const job = useSharedJob(token);
  useTitle(job.data?.title ?? (job.isError ? 'Link not valid' : 'Job'));

  if (job.isPending) {
    return (
      <main className="splash">
        <Loading label="Loading job…" />
      </main>
    );
  }
  if (job.isError) {
    return isApiError(job.error, 404) ? (
      <InvalidLink />
    ) : (
      <main className="splash">
        <ErrorState error={job.error} onRetry={() => void job.refetch()} />
      </main>
    );
  }

  const j = job.data;
  const ink = readableOn(j.company.color);
  const done = j.tasks.filter((t) => t.is_completed).length;
  return (
    <div className="share-page">
      <header className="share-header" style={{ backgroundColor: j.company.color, color: ink }}>
        <div className="share-inner">
          <span className="company-name" data-testid="company-name">
            {j.company.name}
          </span>
          <span className="share-tag">Job status</span>
        </div>
      </header>
      <main id="main" className="share-inner share-main">
        <h1>{j.title}</h1>
        <div className="row row-wrap">
          <StatusBadge name={j.status.name} color={j.status.color} final={j.status.is_final} />
          {j.status.is_final && j.completed_at ? <span className="muted">Completed {formatDateTime(j.completed_at)}</span> : null}
        </div>
        <dl className="facts facts-inline">
          <div>
            <dt>Scheduled</dt>
            <dd>{j.scheduled_at ? formatDateTime(j.scheduled_at) : 'Not scheduled yet'}</dd>
          </div>
          <div>
            <dt>Technician</dt>
            <dd>{j.worker_name ?? 'Not assigned yet'}</dd>
          </div>
        </dl>
        {j.location ? (
          <div className="stack-sm" data-testid="share-location">
            <p className="contact-name">{j.location.name}</p>
            <MapLink name={j.location.name} address={j.location} latitude={j.location.latitude} longitude={j.location.longitude} />
          </div>
        ) : null}
        <CustomFieldsList items={j.custom_fields} />
        <AboutPanel id="share-about" description={j.description} />
        <Panel
          id="share-tasks"
          title={
            <>
              Tasks{' '}
              <span className="muted small">
                {done} of {j.tasks.length} done
              </span>
            </>
          }
        >
          {j.tasks.length === 0 ? (
            <p className="muted">No tasks listed.</p>
          ) : (
            <ul className="task-list" aria-label="Tasks">
              {j.tasks.map((t, i) => (
                <li key={i} className={`task ${t.is_completed ? 'task-done' : ''}`}>
                  <span className="task-readonly">
                    <span className={`tick ${t.is_completed ? 'tick-on' : ''}`} aria-hidden="true" />
                    <span className="task-title">{t.title}</span>
                    <span className="visually-hidden">{t.is_completed ? ' (done)' : ' (open)'}</span>
                  </span>
                </li>
              ))}
            </ul>
          )}
        </Panel>
        <SharedPhotos token={token} />
        {j.notes.length > 0 ? (
          <Panel id="share-notes" title="Updates">
            <UpdateList updates={j.notes} />
          </Panel>
        ) : null}
        <p className="muted small share-foot">This link stays valid until {formatDate(j.expires_at)}. Powered by FieldOps.</p>
      </main>
    </div>
  );
}

export function InvalidLink() {
  return (
    <main className="splash">
      <div className="state invalid-link" data-testid="invalid-link">
        <svg aria-hidden="true" width="48" height="48" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.5">
          <path d="M10 14a4 4 0 005.7 0l3-3a4 4 0 00-5.7-5.7l-1 1M14 10a4 4 0 00-5.7 0l-3 3a4 4 0 005.7 5.7l1-1M4 4l16 16" />
        </svg>
        <h1 className="state-title">This link is no longer valid</h1>
        <p className="state-text">
          It has expired or was revoked by the service company, or it was copied incompletely. Please ask them for a new
          link.
        </p>
      </div>
    </main>
  );
}

/** The photos the company shares with the customer; nothing when there are none. */
function SharedPhotos({ token }: { token: string }) {
  const photos = useSharedPhotos(token);
  if (!photos.data || photos.data.length === 0) return null;
  return (
    <Panel id="share-photos" title="Photos">
      <ul className="gallery" aria-label="Photos">
        {photos.data.map((photo) => (
          <li key={photo.id}>
            <a className="thumb" href={sharedPhotoUrl(token, photo, 'medium')} target="_blank" rel="noreferrer">
              <img src={sharedPhotoUrl(token, photo, 'small')} alt={photo.caption || photo.file_name} loading="lazy" />
            </a>
          </li>
        ))}
      </ul>
    </Panel>
  );
}
