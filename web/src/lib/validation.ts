// Small building blocks for form schemas. zod/mini (tree-shakable) keeps the
// worker surface inside its JavaScript budget.
import { z } from 'zod/mini';

/** A trimmed, required text of at most `max` characters. */
export const requiredText = (label: string, max: number) =>
  z.string().check(z.trim(), z.minLength(1, `${label} is required`), z.maxLength(max, `${label} must be at most ${max} characters`));

/** An optional trimmed text: empty becomes null; otherwise `checks` apply. */
export const optionalText = (...checks: Parameters<ReturnType<typeof z.string>['check']>) =>
  z.pipe(
    z.pipe(
      z.string().check(z.trim()),
      z.transform((v: string) => (v === '' ? null : v)),
    ),
    z.nullable(z.string().check(...checks)),
  );

export const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
export { z };

/**
 * A task's title (the job_tasks title check): checked by the task list and by
 * the new-job form, which creates a job with its tasks, so it is shared.
 */
export const taskTitleSchema = requiredText('Task', 200);
