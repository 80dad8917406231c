import { ProfilePage } from '@/features/notifications/components/ProfilePage';

export default ProfilePage;
