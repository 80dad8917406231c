import { CustomFieldsList, customFieldItems } from '@/components/ui';
import { useCustomFields } from '@/lib/api/customFields';
import { formatDateTime, mapHref, telHref } from '@/lib/format';
import type { JobDetail } from '@/lib/api/types';

/** Customer contact as tap-to-call, tap-to-mail and tap-to-map links. */
export function CustomerContact({ customer }: { customer: JobDetail['customer'] }) {
  return (
    <div className="contact">
      <p className="contact-name">{customer.name}</p>
      {customer.address ? (
        <a className="contact-link" href={mapHref(customer.address)} target="_blank" rel="noreferrer">
          <Icon d="M12 21s-7-6.2-7-11a7 7 0 1114 0c0 4.8-7 11-7 11zm0-8.5a2.5 2.5 0 100-5 2.5 2.5 0 000 5z" />
          <span>
            {customer.address}
            <span className="visually-hidden"> (open in maps)</span>
          </span>
        </a>
      ) : null}
      {customer.phone ? (
        <a className="contact-link" href={telHref(customer.phone)}>
          <Icon d="M5 4h4l2 5-2.5 1.5a11 11 0 005 5L15 13l5 2v4a2 2 0 01-2 2A16 16 0 013 6a2 2 0 012-2" />
          <span>
            <span className="visually-hidden">Call </span>
            {customer.phone}
          </span>
        </a>
      ) : null}
      {customer.email ? (
        <a className="contact-link" href={`mailto:${customer.email}`}>
          <Icon d="M4 6h16v12H4zM4 7l8 6 8-6" />
          <span>{customer.email}</span>
        </a>
      ) : null}
    </div>
  );
}

function Icon({ d }: { d: string }) {
  return (
    <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinejoin="round">
      <path d={d} />
    </svg>
  );
}

export function Schedule({ job }: { job: Pick<JobDetail, 'scheduled_at' | 'completed_at'> }) {
  return (
    <dl className="facts">
      <div>
        <dt>Scheduled</dt>
        <dd>{job.scheduled_at ? formatDateTime(job.scheduled_at) : 'Not scheduled'}</dd>
      </div>
      {job.completed_at ? (
        <div>
          <dt>Completed</dt>
          <dd>{formatDateTime(job.completed_at)}</dd>
        </div>
      ) : null}
    </dl>
  );
}

/**
 * The job's custom fields, read-only, labelled by the definitions the caller
 * may read. The API already left out every field the caller may not see.
 */
export function JobCustomFields({ job }: { job: Pick<JobDetail, 'custom_fields'> }) {
  const definitions = useCustomFields('job');
  return <CustomFieldsList items={customFieldItems(definitions.data, job.custom_fields)} />;
}
