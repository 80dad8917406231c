import { ContactMethodLink, CustomFieldsList, MapLink, customFieldItems } from '@/components/ui';
import { useCustomFields } from '@/lib/api/customFields';
import { formatDateTime, mapHref, telHref } from '@/lib/format';
import type { JobDetail } from '@/lib/api/types';

/**
 * Customer contact as tap-to-call, tap-to-mail and tap-to-map links. The
 * customer's own address only when the job names no location (which is then
 * the place to go, shown by JobPlace).
 */
export function CustomerContact({ customer, showAddress = true }: { customer: JobDetail['customer']; showAddress?: boolean }) {
  return (
    <div className="contact">
      <p className="contact-name">{customer.name}</p>
      {showAddress && customer.address ? (
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

/**
 * Where the work is: the service location with a maps link, its gate code and
 * access notes (the API sends them only to the office and the assigned worker
 * of an open job), its custom fields as far as the caller may read them, and
 * the site contact to call on arrival. Nothing when the job names no location.
 */
export function JobPlace({ job }: { job: Pick<JobDetail, 'service_location' | 'site_contact'> }) {
  const location = job.service_location;
  const contact = job.site_contact;
  const definitions = useCustomFields('location');
  if (!location && !contact) return null;
  return (
    <div className="stack-sm" data-testid="job-place">
      {location ? (
        <>
          <p className="contact-name">{location.name}</p>
          <MapLink name={location.name} address={location.address} latitude={location.latitude} longitude={location.longitude} />
          {location.access?.gate_code || location.access?.access_notes ? (
            <dl className="facts" aria-label="Access">
              {location.access.gate_code ? (
                <div>
                  <dt>Gate code</dt>
                  <dd className="strong">{location.access.gate_code}</dd>
                </div>
              ) : null}
              {location.access.access_notes ? (
                <div>
                  <dt>Access</dt>
                  <dd className="prewrap">{location.access.access_notes}</dd>
                </div>
              ) : null}
            </dl>
          ) : null}
          <CustomFieldsList items={customFieldItems(definitions.data, location.custom_fields)} />
        </>
      ) : null}
      {contact ? (
        <div className="stack-sm" aria-label="Site contact">
          <span>
            <span className="muted">Site contact: </span>
            <strong>{contact.name}</strong>
            {contact.title ? <span className="muted">, {contact.title}</span> : null}
          </span>
          <span className="row row-wrap">
            {contact.methods.map((m) => (
              <ContactMethodLink key={m.id} method={m} />
            ))}
          </span>
        </div>
      ) : null}
    </div>
  );
}

/** The job's customer's custom fields the caller may read (the API left out the rest). */
export function CustomerCustomFields({ customer }: { customer: Pick<JobDetail['customer'], 'custom_fields'> }) {
  const definitions = useCustomFields('customer');
  return <CustomFieldsList items={customFieldItems(definitions.data, customer.custom_fields)} />;
}
