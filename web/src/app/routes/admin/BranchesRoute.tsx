import { BranchesPage } from '@/features/branches/components/BranchesPage';

export default BranchesPage;
