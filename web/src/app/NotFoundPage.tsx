import { Link } from 'react-router';
import { paths } from '@/lib/paths';

export function NotFoundPage() {
  return (
    <main className="splash">
      <div className="state">
        <h1 className="state-title">Page not found</h1>
        <p className="state-text">The address may be mistyped, or the page has moved.</p>
        <Link className="btn btn-primary btn-md" to={paths.home}>
          Go to FieldOps
        </Link>
      </div>
    </main>
  );
}
