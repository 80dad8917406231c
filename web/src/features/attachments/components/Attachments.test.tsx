import { QueryClient } from '@tanstack/react-query';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithProviders } from '@/test/render';
import { type Attachment, uploadQuery } from '../api/attachments';
import { Uploader } from './Attachments';
import { formatSize, gallerySections } from './gallery';

const file = (id: string, type: string, group: Attachment['group']) =>
  ({ id, file_name: `${id}.x`, content_type: type, group }) as Attachment;

/** An XMLHttpRequest that records what it sent and answers as told. */
class RecordingXhr {
  static sent: { url: string; headers: Record<string, string> }[] = [];
  static answers: number[] = [];
  upload = { onprogress: null as null | ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) };
  onload: null | (() => void) = null;
  onerror: null | (() => void) = null;
  status = 0;
  responseText = '';
  private url = '';
  private headers: Record<string, string> = {};
  open(_method: string, url: string) {
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  send() {
    RecordingXhr.sent.push({ url: this.url, headers: this.headers });
    const status = RecordingXhr.answers.shift() ?? 0;
    setTimeout(() => {
      this.upload.onprogress?.({ lengthComputable: true, loaded: 5, total: 10 });
      if (status === 0) {
        this.onerror?.();
        return;
      }
      this.status = status;
      this.responseText = JSON.stringify({ id: 'a1', file_name: 'valve.jpg' });
      this.onload?.();
    }, 0);
  }
}

afterEach(() => vi.unstubAllGlobals());

describe('attachments', () => {
  it('groups photos into before, after and the rest, and keeps documents apart', () => {
    const sections = gallerySections([
      file('b1', 'image/jpeg', 'before'),
      file('d1', 'application/pdf', 'none'),
      file('a1', 'image/png', 'after'),
      file('p1', 'image/webp', 'none'),
      file('b2', 'image/jpeg', 'before'),
    ]);
    expect(sections.photos.map((s) => [s.title, s.files.map((f) => f.id)])).toEqual([
      ['Before', ['b1', 'b2']],
      ['After', ['a1']],
      ['Photos', ['p1']],
    ]);
    expect(sections.documents.map((f) => f.id)).toEqual(['d1']);
    expect(gallerySections([file('a1', 'image/png', 'after')]).photos.map((s) => s.title)).toEqual(['After']);
  });

  it('says sizes and options the way people and the server read them', () => {
    expect(formatSize(3_400_000)).toBe('3.4 MB');
    expect(formatSize(340_000)).toBe('340 kB');
    expect(formatSize(12)).toBe('1 kB');
    expect(uploadQuery({ group: 'before' })).toBe('?group=before');
    expect(uploadQuery({ group: 'none', visibility: 'customer' })).toBe('?visibility=customer');
    expect(uploadQuery({})).toBe('');
  });

  it('retries a failed upload with the same Idempotency-Key, so the file is stored once', async () => {
    RecordingXhr.sent = [];
    RecordingXhr.answers = [0, 201];
    vi.stubGlobal('XMLHttpRequest', RecordingXhr);
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    renderWithProviders(<Uploader parent={{ kind: 'job', id: 'job-1' }} mode="worker" />, { client });

    const photo = new File(['jpeg bytes'], 'valve.jpg', { type: 'image/jpeg' });
    fireEvent.change(screen.getByLabelText('Before photos'), { target: { files: [photo] } });
    expect(await screen.findByRole('alert')).toHaveTextContent(/reach the server/);
    expect(screen.getByRole('progressbar', { name: 'Uploading valve.jpg' })).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(screen.getByText('Uploaded')).toBeInTheDocument());
    expect(RecordingXhr.sent).toHaveLength(2);
    const [first, second] = [RecordingXhr.sent[0]!, RecordingXhr.sent[1]!];
    expect(first.url).toBe('/api/v1/jobs/job-1/attachments?group=before');
    expect(first.headers['X-File-Name']).toBe('valve.jpg');
    expect(second.headers['Idempotency-Key']).toBe(first.headers['Idempotency-Key']);
    expect(first.headers['Idempotency-Key']).toBeTruthy();
  });

  it('a worker picks photos from the camera, several at once', () => {
    renderWithProviders(<Uploader parent={{ kind: 'job', id: 'job-1' }} mode="worker" />);
    for (const label of ['Before photos', 'After photos']) {
      const input = screen.getByLabelText(label);
      expect(input).toHaveAttribute('accept', 'image/*');
      expect(input).toHaveAttribute('capture', 'environment');
      expect(input).toHaveAttribute('multiple');
    }
  });
});
