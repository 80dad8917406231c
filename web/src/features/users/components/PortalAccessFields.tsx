import { useEffect } from 'react';
import { SelectField } from '@/components/ui';
import { useContactLocations, useCustomerContacts, useCustomerLocations } from '../api/portalAccess';

/** Which locations a contact sees; `null` until the stored limit has loaded. */
export type LocationLimit = { restricted: boolean; locationIds: string[] } | null;

/**
 * A customer login is one of its customer's contacts, and sees what that
 * contact may see: every location, or only some. The database keeps the
 * limit (migration 0025); this edits the link and the contact's limit.
 */
export function PortalAccessFields({
  customerId,
  contactId,
  onContactChange,
  limit,
  onLimitLoaded,
  onLimitChange,
  errors,
}: {
  customerId: string;
  contactId: string;
  onContactChange: (id: string) => void;
  limit: LocationLimit;
  /** The contact's stored limit, loaded (a stable callback). */
  onLimitLoaded: (limit: LocationLimit) => void;
  /** The person changed the limit in the form. */
  onLimitChange: (limit: LocationLimit) => void;
  errors?: string[];
}) {
  const contacts = useCustomerContacts(customerId);
  const locations = useCustomerLocations(customerId);
  const stored = useContactLocations(contactId);

  // The contact's stored limit is the starting point whenever another contact is chosen.
  useEffect(() => {
    if (contactId === '') onLimitLoaded(null);
    else if (stored.data) onLimitLoaded({ restricted: stored.data.restricted_to_locations, locationIds: stored.data.location_ids });
  }, [stored.data, contactId, onLimitLoaded]);

  if (customerId === '') return null;
  const toggle = (id: string, on: boolean) => {
    if (!limit) return;
    const ids = on ? [...limit.locationIds, id] : limit.locationIds.filter((l) => l !== id);
    onLimitChange({ ...limit, locationIds: ids });
  };

  return (
    <>
      <SelectField
        label="Contact"
        name="contact_id"
        value={contactId}
        onChange={(e) => onContactChange(e.target.value)}
        errors={errors}
        hint="The person this login is. Changing it signs the login out."
      >
        <option value="">Not linked: sees every location of the customer</option>
        {contacts.data?.items.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
            {c.title ? ` (${c.title})` : ''}
          </option>
        ))}
      </SelectField>
      {contactId !== '' && limit ? (
        <fieldset className="field">
          <legend className="field-label">Locations this contact sees</legend>
          <div className="check">
            <input
              id="limit-all"
              type="radio"
              name="limit"
              checked={!limit.restricted}
              onChange={() => onLimitChange({ ...limit, restricted: false })}
            />
            <label htmlFor="limit-all">All of the customer&apos;s locations</label>
          </div>
          <div className="check">
            <input id="limit-some" type="radio" name="limit" checked={limit.restricted} onChange={() => onLimitChange({ ...limit, restricted: true })} />
            <label htmlFor="limit-some">Only these locations, and their jobs</label>
          </div>
          {limit.restricted ? (
            <ul className="plain-list" aria-label="Locations">
              {locations.data?.items.map((l) => (
                <li key={l.id} className="check">
                  <input
                    id={`limit-${l.id}`}
                    type="checkbox"
                    checked={limit.locationIds.includes(l.id)}
                    onChange={(e) => toggle(l.id, e.target.checked)}
                  />
                  <label htmlFor={`limit-${l.id}`}>
                    {l.name}
                    {l.address.line1 ? <span className="muted"> · {l.address.line1}</span> : null}
                  </label>
                </li>
              ))}
            </ul>
          ) : null}
          {limit.restricted && limit.locationIds.length === 0 ? (
            <p className="field-hint">With no location chosen, this contact sees no jobs at all.</p>
          ) : null}
        </fieldset>
      ) : null}
    </>
  );
}
