import { useParams } from 'react-router';
import { SharePage } from '@/features/share/components/SharePage';

export default function ShareRoute() {
  const { token = '' } = useParams();
  return <SharePage token={token} />;
}
