import { addressLine, mapHref, telHref, type AddressParts } from '@/lib/format';

/** A way to reach a contact, as stored (a phone or fax number, or an email). */
export interface ContactMethodLike {
  id: string;
  kind: 'mobile' | 'office_phone' | 'email' | 'fax';
  value: string;
  is_primary?: boolean;
}

const METHOD_LABELS: Record<ContactMethodLike['kind'], string> = { mobile: 'Mobile', office_phone: 'Office', email: 'Email', fax: 'Fax' };

/** A contact method as a link: tap-to-call for phones, mailto: for email; a fax is text. */
export function ContactMethodLink({ method }: { method: ContactMethodLike }) {
  const href = method.kind === 'email' ? `mailto:${method.value}` : method.kind === 'fax' ? null : telHref(method.value);
  return (
    <span>
      <span className="muted">{METHOD_LABELS[method.kind]}: </span>
      {href ? <a href={href}>{method.value}</a> : method.value}
    </span>
  );
}

/**
 * A place as a link that opens the phone's maps app: the stored coordinates
 * when there are any (exact for a gate at the back of a site), else the address.
 */
export function MapLink({ name, address, latitude, longitude }: { name: string; address: AddressParts; latitude?: number | null; longitude?: number | null }) {
  const line = addressLine(address);
  const query = latitude != null && longitude != null ? `${latitude},${longitude}` : line;
  if (!query) return null;
  return (
    <a className="contact-link" href={mapHref(query)} target="_blank" rel="noreferrer">
      <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinejoin="round">
        <path d="M12 21s-7-6.2-7-11a7 7 0 1114 0c0 4.8-7 11-7 11zm0-8.5a2.5 2.5 0 100-5 2.5 2.5 0 000 5z" />
      </svg>
      <span>
        {line || `${latitude}, ${longitude}`}
        <span className="visually-hidden"> (open {name} in maps)</span>
      </span>
    </a>
  );
}
