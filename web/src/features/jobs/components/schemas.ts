import { requiredText, taskTitleSchema, z } from '@/lib/validation';

// Client-side rules mirroring the server's (src/http/jobs.rs and the table
// checks in db/migrations/0002_jobs.sql). The server stays the authority: its
// 422 errors are shown beside the same fields.
export const jobFormSchema = z.object({
  customer_id: z.string().check(z.minLength(1, 'Choose a customer')),
  title: requiredText('Title', 200),
  description: z.string().check(z.maxLength(10000, 'Description must be at most 10000 characters')),
  status_id: z.string(),
  assigned_worker_id: z.string(),
  scheduled_at: z.string(),
  // Present once a customer is chosen (its locations and contacts loaded).
  service_location_id: z.optional(z.string()),
  site_contact_id: z.optional(z.string()),
  // Present when the company has branches: '' is the default (a scoped
  // admin's branch, else the customer's) for a new job, company-wide for an edit.
  branch_id: z.optional(z.string()),
  tasks: z.array(taskTitleSchema).check(z.maxLength(100, 'At most 100 tasks')),
});
export type JobFormValues = z.infer<typeof jobFormSchema>;
