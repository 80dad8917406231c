import { describe, expect, it } from 'vitest';
import type { JobDetail } from '@/lib/api/types';
import { applyTaskChange } from './tasks';

const task = (id: string, position: number, is_completed = false) => ({
  id,
  job_id: 'j',
  title: `Task ${id}`,
  position,
  is_completed,
  completed_at: null,
  version: 1,
});
const job = { id: 'j', tasks: [task('a', 0), task('b', 1, true), task('c', 2)], tasks_done: 1, tasks_total: 3 } as unknown as JobDetail;

describe('applyTaskChange', () => {
  it('completes a task and recounts', () => {
    const next = applyTaskChange(job, 'a', { is_completed: true });
    expect(next.tasks.find((t) => t.id === 'a')?.is_completed).toBe(true);
    expect(next.tasks.find((t) => t.id === 'a')?.completed_at).not.toBeNull();
    expect(next.tasks_done).toBe(2);
    expect(job.tasks_done).toBe(1); // the cached original is untouched (rollback needs it)
  });

  it('reopens a task', () => {
    const next = applyTaskChange(job, 'b', { is_completed: false });
    expect(next.tasks_done).toBe(0);
    expect(next.tasks.find((t) => t.id === 'b')?.completed_at).toBeNull();
  });

  it('re-sorts on a position change', () => {
    const next = applyTaskChange(job, 'c', { position: -1 });
    expect(next.tasks.map((t) => t.id)).toEqual(['c', 'a', 'b']);
  });
});
