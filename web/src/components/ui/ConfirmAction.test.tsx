import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { ConfirmAction } from './ConfirmAction';
import { Toaster } from './Toast';

type Outcome = 'ok' | 'fail';
const item = { id: 'c1', name: 'Harbor Bistro' };

function setup(outcome: Outcome, extra: Partial<Parameters<typeof ConfirmAction<typeof item>>[0]> = {}) {
  const mutate = vi.fn((_id: string, options: { onSuccess: () => void; onError: (e: unknown) => void }) =>
    outcome === 'ok' ? options.onSuccess() : options.onError(new Error('boom')),
  );
  function Host() {
    const [target, setTarget] = useState<typeof item | null>(item);
    return (
      <>
        <ConfirmAction
          target={target}
          onClose={() => setTarget(null)}
          title={(c) => `Delete ${c.name}?`}
          message="Gone for good."
          confirmLabel="Delete customer"
          action={{ mutate, isPending: false }}
          done="Customer deleted"
          {...extra}
        />
        <Toaster />
      </>
    );
  }
  render(<Host />);
  return { mutate };
}

describe('ConfirmAction', () => {
  it('asks about the target, runs the action on its id, toasts and closes', async () => {
    const onDone = vi.fn();
    const { mutate } = setup('ok', { onDone });
    expect(screen.getByRole('heading', { name: 'Delete Harbor Bistro?' })).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Delete customer' }));
    expect(mutate).toHaveBeenCalledWith('c1', expect.anything());
    expect(onDone).toHaveBeenCalledWith(item);
    expect(screen.getByText('Customer deleted')).toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'Delete Harbor Bistro?' })).toBeNull();
  });

  it('on failure closes and toasts the message (by default)', async () => {
    setup('fail', { failed: (e, c) => `${c.name}: ${(e as Error).message}` });
    await userEvent.click(screen.getByRole('button', { name: 'Delete customer' }));
    expect(screen.getByText('Harbor Bistro: boom')).toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'Delete Harbor Bistro?' })).toBeNull();
  });

  it('can stay open after a failure', async () => {
    setup('fail', { keepOpenOnError: true });
    await userEvent.click(screen.getByRole('button', { name: 'Delete customer' }));
    expect(screen.getByText('Something went wrong. Please try again.')).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Delete Harbor Bistro?' })).toBeInTheDocument();
  });
});
