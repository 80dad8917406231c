import { UnsubscribePage } from '@/features/portalSignup/components/UnsubscribePage';

export default UnsubscribePage;
