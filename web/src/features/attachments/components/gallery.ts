import type { Attachment } from '../api/attachments';

export type Section = { title: string; files: Attachment[] };

/** Photos in the worker's before/after groups (then the rest), and documents apart. */
export function gallerySections(files: Attachment[]): { photos: Section[]; documents: Attachment[] } {
  const images = files.filter((f) => f.content_type.startsWith('image/'));
  const photos = [
    { title: 'Before', files: images.filter((f) => f.group === 'before') },
    { title: 'After', files: images.filter((f) => f.group === 'after') },
    { title: 'Photos', files: images.filter((f) => f.group === 'none') },
  ].filter((s) => s.files.length > 0);
  return { photos, documents: files.filter((f) => !f.content_type.startsWith('image/')) };
}

/** 1.2 MB, 340 kB: how big a file is, for people. */
export function formatSize(bytes: number): string {
  if (bytes >= 1_000_000) return `${(bytes / 1_000_000).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1000))} kB`;
}

/** A fresh Idempotency-Key for one file: kept across its retries. */
export function newUploadKey(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}
