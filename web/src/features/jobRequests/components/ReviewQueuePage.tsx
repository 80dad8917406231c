import { useState } from 'react';
import { Link } from 'react-router';
import { Empty, PageHeader, QueryState, useTitle } from '@/components/ui';
import { SelectField } from '@/components/ui/Field';
import { formatDateTime } from '@/lib/format';
import { paths } from '@/lib/paths';
import { useRequests } from '../api/requests';

/** The staff's queue: submitted requests, oldest first. */
export function ReviewQueuePage() {
  useTitle('Requests to review');
  const [urgency, setUrgency] = useState('');
  const [age, setAge] = useState('');
  const requests = useRequests({
    state: 'submitted',
    limit: 100,
    ...(urgency ? { urgency } : {}),
    ...(age ? { older_than_hours: Number(age) } : {}),
  });
  return (
    <div className="page">
      <PageHeader title="Requests to review" subtitle="Submitted by customers, oldest first." />
      <SelectField label="Urgency" name="urgency" value={urgency} onChange={(e) => setUrgency(e.target.value)}>
        <option value="">Any</option>
        <option value="urgent">Urgent</option>
        <option value="normal">Normal</option>
        <option value="low">Low</option>
      </SelectField>
      <SelectField label="Waiting" name="older_than_hours" value={age} onChange={(e) => setAge(e.target.value)}>
        <option value="">Any time</option>
        <option value="24">More than a day</option>
        <option value="72">More than 3 days</option>
        <option value="168">More than a week</option>
      </SelectField>
      <QueryState query={requests} loading="Loading the queue…">
        {(data) =>
          data.items.length === 0 ? (
            <Empty title="Nothing to review">New requests from the portal appear here.</Empty>
          ) : (
            <ul className="job-cards">
              {data.items.map((request) => (
                <li key={request.id}>
                  <Link to={paths.admin.request(request.id)} className="job-card">
                    <span className="job-card-title">{request.title}</span>
                    <span className="job-card-meta">
                      {request.urgency} · submitted {request.submitted_at ? formatDateTime(request.submitted_at) : ''}
                    </span>
                  </Link>
                </li>
              ))}
            </ul>
          )
        }
      </QueryState>
    </div>
  );
}
