import { Shell } from './Shell';

export default function WorkerLayout() {
  return <Shell surface="worker" />;
}
