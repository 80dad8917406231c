import { useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Button, Dialog, QueryState, toast } from '@/components/ui';
import { ApiError } from '@/lib/api/errors';
import { useAuthed } from '@/lib/auth/useSession';
import {
  attachmentKeys,
  type Attachment,
  type Parent,
  type PhotoGroup,
  uploadFile,
  useAttachmentContent,
  useAttachments,
  useDeleteAttachment,
} from '../api/attachments';
import { formatSize, gallerySections, newUploadKey } from './gallery';

/** Who is looking: what they may upload and delete follows (the server decides anyway). */
export type Mode = 'admin' | 'worker' | 'customer';

/** A job's or request's files: the uploader for the role, then the gallery. */
export function Attachments({ parent, mode }: { parent: Parent; mode: Mode }) {
  const files = useAttachments(parent);
  const userId = useAuthed().user.id;
  return (
    <div className="stack attachments">
      {/* A customer adds files to its requests only; its jobs' files are the company's. */}
      {mode === 'customer' && parent.kind === 'job' ? null : <Uploader parent={parent} mode={mode} />}
      <QueryState query={files} loading="Loading the files…">
        {(data) => <Gallery parent={parent} files={data} canDelete={(f) => mode === 'admin' || f.uploaded_by === userId} />}
      </QueryState>
    </div>
  );
}

type Upload = { local: string; file: File; key: string; group: PhotoGroup; progress: number; error?: string; done?: boolean };

/** Picks files and sends each with its own progress bar; a failed one is retried with the same key. */
export function Uploader({ parent, mode }: { parent: Parent; mode: Mode }) {
  const queryClient = useQueryClient();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [forCustomer, setForCustomer] = useState(false);
  const [dragging, setDragging] = useState(false);

  const update = (local: string, change: Partial<Upload>) =>
    setUploads((all) => all.map((u) => (u.local === local ? { ...u, ...change } : u)));

  async function send(upload: Upload) {
    update(upload.local, { error: undefined, progress: 0 });
    try {
      await uploadFile(parent, upload.file, {
        key: upload.key,
        group: upload.group,
        visibility: mode === 'admin' && forCustomer ? 'customer' : undefined,
        onProgress: (progress) => update(upload.local, { progress }),
      });
      update(upload.local, { done: true, progress: 100 });
      await queryClient.invalidateQueries({ queryKey: attachmentKeys.list(parent) });
    } catch (error) {
      update(upload.local, { error: error instanceof ApiError ? error.message : 'The upload failed' });
    }
  }

  function add(list: FileList | null, group: PhotoGroup) {
    const picked = Array.from(list ?? []).map((file) => ({
      local: newUploadKey(),
      key: newUploadKey(),
      file,
      group,
      progress: 0,
    }));
    setUploads((all) => [...all.filter((u) => !u.done), ...picked]);
    picked.forEach((u) => void send(u));
  }

  return (
    <div className="stack">
      {mode === 'worker' ? (
        <div className="row upload-buttons">
          <FilePicker label="Before photos" accept="image/*" capture onFiles={(f) => add(f, 'before')} />
          <FilePicker label="After photos" accept="image/*" capture onFiles={(f) => add(f, 'after')} />
        </div>
      ) : mode === 'customer' ? (
        <FilePicker label="Attach a photo or PDF" accept="image/*,application/pdf" onFiles={(f) => add(f, 'none')} />
      ) : (
        <div
          className={dragging ? 'dropzone dropzone-active' : 'dropzone'}
          data-testid="dropzone"
          onDragOver={(event) => {
            event.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(event) => {
            event.preventDefault();
            setDragging(false);
            add(event.dataTransfer.files, 'none');
          }}
        >
          <p>Drop photos and documents here, or</p>
          <FilePicker label="Choose files" onFiles={(f) => add(f, 'none')} />
          <label className="check">
            <input type="checkbox" checked={forCustomer} onChange={(e) => setForCustomer(e.target.checked)} /> Visible to
            customer
          </label>
        </div>
      )}
      {uploads.length > 0 ? (
        <ul className="uploads" aria-label="Uploads">
          {uploads.map((u) => (
            <li key={u.local} className="upload">
              <span className="upload-name">{u.file.name}</span>
              <progress max={100} value={u.progress} aria-label={`Uploading ${u.file.name}`} />
              {u.done ? <span className="pill pill-info">Uploaded</span> : null}
              {u.error ? (
                <>
                  <span role="alert" className="error-text">
                    {u.error}
                  </span>
                  <Button size="lg" onClick={() => void send(u)}>
                    Retry
                  </Button>
                </>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** A button-like label for a hidden file input; `capture` opens a phone's camera. */
function FilePicker({ label, accept, capture, onFiles }: { label: string; accept?: string; capture?: boolean; onFiles: (files: FileList | null) => void }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <label className="btn btn-secondary btn-lg file-picker">
      {label}
      <input
        ref={input}
        type="file"
        className="visually-hidden"
        accept={accept}
        capture={capture ? 'environment' : undefined}
        multiple
        aria-label={label}
        onChange={(event) => {
          onFiles(event.target.files);
          if (input.current) input.current.value = '';
        }}
      />
    </label>
  );
}

/** Thumbnails by group, a full-size viewer, and the documents as a list. */
export function Gallery({ parent, files, canDelete }: { parent: Parent; files: Attachment[]; canDelete: (file: Attachment) => boolean }) {
  const [open, setOpen] = useState<Attachment | null>(null);
  const remove = useDeleteAttachment(parent);
  if (files.length === 0) return <p className="muted">No photos or documents yet.</p>;
  const { photos, documents } = gallerySections(files);
  return (
    <div className="stack">
      {photos.map((section) => (
        <section key={section.title} aria-label={`${section.title} photos`}>
          <h3 className="gallery-title">{section.title}</h3>
          <ul className="gallery">
            {section.files.map((file) => (
              <li key={file.id}>
                <button type="button" className="thumb" onClick={() => setOpen(file)} aria-label={`View ${file.file_name}`}>
                  <Thumbnail file={file} />
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
      {documents.length > 0 ? (
        <ul className="documents" aria-label="Documents">
          {documents.map((file) => (
            <li key={file.id} className="row">
              <DownloadButton file={file} />
              <span className="muted">{formatSize(file.size_bytes)}</span>
              {file.visibility === 'customer' ? <span className="pill pill-info">Visible to customer</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
      <Dialog
        open={open !== null}
        title={open?.caption || open?.file_name || ''}
        onClose={() => setOpen(null)}
        size="md"
        footer={
          open ? (
            <>
              <DownloadButton file={open} label="Download original" />
              {canDelete(open) ? (
                <Button
                  variant="danger"
                  busy={remove.isPending}
                  onClick={async () => {
                    await remove.mutateAsync(open.id);
                    setOpen(null);
                    toast('Deleted');
                  }}
                >
                  Delete
                </Button>
              ) : null}
            </>
          ) : null
        }
      >
        {open ? <Viewer file={open} /> : null}
      </Dialog>
    </div>
  );
}

function Thumbnail({ file }: { file: Attachment }) {
  const content = useAttachmentContent(file.id, file.has_thumbnails ? 'small' : 'original', file.content_type !== 'image/heif');
  if (file.content_type === 'image/heif') return <span className="thumb-placeholder">{file.file_name}</span>;
  return content.data ? <img src={content.data} alt={file.file_name} loading="lazy" /> : <span className="thumb-placeholder" aria-busy="true" />;
}

function Viewer({ file }: { file: Attachment }) {
  const content = useAttachmentContent(file.id, file.has_thumbnails ? 'medium' : 'original', file.content_type !== 'image/heif');
  if (file.content_type === 'image/heif') return <p>This HEIC photo has no preview here: download it to view it.</p>;
  return content.data ? <img className="viewer-image" src={content.data} alt={file.file_name} /> : <p>Loading…</p>;
}

/** Fetches the file with the session's token and hands it to the browser as a download. */
function DownloadButton({ file, label }: { file: Attachment; label?: string }) {
  const [busy, setBusy] = useState(false);
  const content = useAttachmentContent(file.id, 'original', busy);
  if (busy && content.data) {
    const link = document.createElement('a');
    link.href = content.data;
    link.download = file.file_name;
    link.click();
    setBusy(false);
  }
  return (
    <Button size="sm" busy={busy && content.isFetching} onClick={() => setBusy(true)}>
      {label ?? file.file_name}
    </Button>
  );
}
