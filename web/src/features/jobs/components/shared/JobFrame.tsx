import type { ReactNode } from 'react';
import { PageFrame } from '@/components/ui';
import type { JobDetail } from '@/lib/api/types';
import { useJob } from '../../api/jobs';

/** The frame of a job's page on every surface: loads the job; its title, loading and error. */
export function JobFrame({ jobId, back, className, children }: { jobId: string; back: ReactNode; className: string; children: (job: JobDetail) => ReactNode }) {
  const job = useJob(jobId);
  return (
    <PageFrame query={job} title={job.data?.title ?? 'Job'} back={back} className={className} loadingLabel="Loading job…">
      {children}
    </PageFrame>
  );
}
