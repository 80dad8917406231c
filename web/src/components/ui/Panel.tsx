import type { ReactNode } from 'react';

/**
 * A titled section of a phone-first page (the worker's job, the shared job).
 * The heading names the region; `hideTitle` keeps it for screen readers only;
 * `aside` sits at the heading's end (a progress count, say).
 */
export function Panel({ id, title, hideTitle, aside, children }: { id: string; title: ReactNode; hideTitle?: boolean; aside?: ReactNode; children: ReactNode }) {
  const heading = (
    <h2 id={id} className={hideTitle ? 'visually-hidden' : 'panel-title'}>
      {title}
    </h2>
  );
  return (
    <section className="panel" aria-labelledby={id}>
      {aside ? (
        <div className="row row-between">
          {heading}
          {aside}
        </div>
      ) : (
        heading
      )}
      {children}
    </section>
  );
}

/** "About the job": a job's description as a panel; nothing when it has none. */
export function AboutPanel({ id, description }: { id: string; description: string | null | undefined }) {
  if (!description) return null;
  return (
    <Panel id={id} title="About the job">
      <p className="prewrap">{description}</p>
    </Panel>
  );
}
