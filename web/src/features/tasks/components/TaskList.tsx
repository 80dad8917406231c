import { useState } from 'react';
import { Button, Card, MoveButtons, TaskProgress, toast } from '@/components/ui';
import { errorMessage } from '@/lib/api/errors';
import { useFormState } from '@/lib/forms';
import type { JobDetail } from '@/lib/api/types';
import { useCreateTask, useDeleteTask, useReorderTasks, useUpdateTask } from '../api/tasks';
import { taskTitleSchema } from '@/lib/validation';

type Mode = 'admin' | 'worker' | 'readonly';

/** The job's tasks in a card, with their progress in its header. */
export function TasksCard({ job, mode, title = 'Tasks' }: { job: JobDetail; mode: Mode; title?: string }) {
  return (
    <Card title={title} actions={<TaskProgress done={job.tasks_done} total={job.tasks_total} />}>
      <TaskList job={job} mode={mode} />
    </Card>
  );
}

/**
 * A job's checklist. Admins add, reorder, complete and delete; workers complete
 * (large touch targets); customers only read. Completing is optimistic: the box
 * ticks at once and unticks again if the server refuses.
 */
export function TaskList({ job, mode }: { job: JobDetail; mode: Mode }) {
  const update = useUpdateTask(job.id);
  const reorder = useReorderTasks(job.id);
  const tasks = job.tasks;

  // A box shows what was tapped until its own request settles, whatever a
  // refetch started by an earlier change brings back meanwhile.
  const [pending, setPending] = useState<Record<string, boolean>>({});

  async function toggle(id: string, is_completed: boolean) {
    setPending((current) => ({ ...current, [id]: is_completed }));
    try {
      await update.mutateAsync({ id, is_completed });
    } catch (error) {
      toast(`Task not saved: ${errorMessage(error)}`, 'error');
    } finally {
      setPending((current) => {
        const next = { ...current };
        delete next[id];
        return next;
      });
    }
  }

  function move(index: number, delta: -1 | 1) {
    const target = index + delta;
    if (target < 0 || target >= tasks.length) return;
    const ids = tasks.map((t) => t.id);
    [ids[index], ids[target]] = [ids[target]!, ids[index]!];
    reorder.mutate(ids, { onError: (error) => toast(`Order not saved: ${errorMessage(error)}`, 'error') });
  }

  if (tasks.length === 0 && mode !== 'admin') {
    return <p className="muted">No tasks on this job.</p>;
  }

  return (
    <div className={`tasks tasks-${mode}`}>
      <ul className="task-list" aria-label="Tasks">
        {tasks.map((task, index) => (
          <li key={task.id} className={`task ${task.is_completed ? 'task-done' : ''}`}>
            {mode === 'readonly' ? (
              <span className="task-readonly">
                <span className={`tick ${task.is_completed ? 'tick-on' : ''}`} aria-hidden="true" />
                <span className="task-title">{task.title}</span>
                <span className="visually-hidden">{task.is_completed ? ' (done)' : ' (open)'}</span>
              </span>
            ) : (
              <label className="task-check">
                <input
                  type="checkbox"
                  checked={pending[task.id] ?? task.is_completed}
                  onChange={(e) => void toggle(task.id, e.target.checked)}
                />
                <span className="task-title">{task.title}</span>
              </label>
            )}
            {mode === 'admin' ? (
              <span className="task-actions">
                <MoveButtons index={index} count={tasks.length} label={`“${task.title}”`} busy={reorder.isPending} onMove={move} />
                <DeleteTask jobId={job.id} taskId={task.id} title={task.title} />
              </span>
            ) : null}
          </li>
        ))}
      </ul>
      {tasks.length === 0 ? <p className="muted">No tasks yet.</p> : null}
      {mode === 'admin' ? <AddTask jobId={job.id} nextPosition={tasks.length} /> : null}
    </div>
  );
}

function DeleteTask({ jobId, taskId, title }: { jobId: string; taskId: string; title: string }) {
  const remove = useDeleteTask(jobId);
  return (
    <button
      type="button"
      className="icon-btn icon-btn-danger"
      aria-label={`Delete task “${title}”`}
      disabled={remove.isPending}
      onClick={() => remove.mutate(taskId, { onError: (e) => toast(`Task not deleted: ${errorMessage(e)}`, 'error') })}
    >
      <svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2">
        <path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3" />
      </svg>
    </button>
  );
}

function AddTask({ jobId, nextPosition }: { jobId: string; nextPosition: number }) {
  const create = useCreateTask(jobId);
  const form = useFormState();
  const [title, setTitle] = useState('');
  const error = form.errors.title ?? form.errors._form;

  async function onSubmit(event: React.FormEvent) {
    event.preventDefault();
    const parsed = taskTitleSchema.safeParse(title);
    if (!parsed.success) {
      form.setErrors({ title: parsed.error.issues.map((i) => i.message) });
      return;
    }
    try {
      await create.mutateAsync({ title: parsed.data, position: nextPosition });
      setTitle('');
      form.reset();
    } catch (e) {
      form.fail(e);
    }
  }

  return (
    <form className="add-task" onSubmit={onSubmit} noValidate>
      <label htmlFor={`new-task-${jobId}`} className="visually-hidden">
        New task
      </label>
      <input
        id={`new-task-${jobId}`}
        className="input"
        placeholder="Add a task…"
        value={title}
        onChange={(e) => setTitle(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `new-task-${jobId}-error` : undefined}
      />
      <Button type="submit" busy={create.isPending}>
        Add task
      </Button>
      {error ? (
        <p id={`new-task-${jobId}-error`} className="field-error" role="alert">
          {error.join('; ')}
        </p>
      ) : null}
    </form>
  );
}
