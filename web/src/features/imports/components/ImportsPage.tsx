import { useCallback, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Button, Card, Empty, PageHeader, QueryState, SelectField, Table, TextField, toast, useTitle } from '@/components/ui';
import { errorMessage } from '@/lib/api/errors';
import {
  download,
  importKeys,
  useImports,
  usePreviewImport,
  useRunImport,
  useSaveMapping,
  useUndoImport,
  type ImportDetail,
  type ImportKind,
  type ImportPreview,
  type ImportRecord,
  type ImportReport,
} from '../api/imports';
import { ImportProgress } from './ImportProgress';

const PRESETS = [
  { value: '', label: 'Another spreadsheet' },
  { value: 'servicefusion', label: 'Service Fusion' },
  { value: 'jobber', label: 'Jobber' },
  { value: 'housecallpro', label: 'Housecall Pro' },
];

/** Admin: import customers or jobs from a file (upload, mapping, dry run, apply, undo), and export everything. */
export function ImportsPage() {
  useTitle('Import and export');
  const [kind, setKind] = useState<ImportKind>('customers');
  const [preset, setPreset] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  // A large file's import runs in the background (202): followed until done.
  const [background, setBackground] = useState<ImportReport | null>(null);
  const queryClient = useQueryClient();
  const previewing = usePreviewImport();
  const running = useRunImport();

  const choose = async (chosen: File | null) => {
    setFile(chosen);
    setReport(null);
    setPreview(null);
    if (!chosen) return;
    try {
      const answer = await previewing.mutateAsync({ file: chosen, kind, preset });
      setPreview(answer);
      setMapping(answer.mapping);
    } catch (e) {
      toast(errorMessage(e), 'error');
    }
  };

  const run = async (dryRun: boolean) => {
    if (!file) return;
    try {
      const answer = await running.mutateAsync({ file, kind, preset, mapping, dryRun });
      setReport(null);
      if (answer.import.state === 'running') {
        setBackground(answer);
        return;
      }
      setReport(answer);
      if (!dryRun) toast(`Imported: ${answer.import.created_count} created, ${answer.import.updated_count} updated`);
    } catch (e) {
      toast(errorMessage(e), 'error');
    }
  };

  const finished = useCallback(
    (detail: ImportDetail) => {
      if (!background) return;
      setBackground(null);
      setReport({ ...background, import: detail.import, errors: detail.errors });
      if (detail.import.state === 'failed') toast(`The import failed: ${detail.import.failure ?? 'unknown reason'}`, 'error');
      else if (detail.import.state === 'applied') toast(`Imported: ${detail.import.created_count} created, ${detail.import.updated_count} updated`);
      void queryClient.invalidateQueries({ queryKey: importKeys.all });
    },
    [background, queryClient],
  );

  return (
    <div className="page page-narrow">
      <PageHeader
        title="Import and export"
        subtitle="Bring customers and jobs from a spreadsheet or another system. Nothing changes until you apply a dry run you have checked."
        actions={
          <>
            <Button onClick={() => download('/api/v1/export.zip', 'fieldops-export.zip').catch((e) => toast(errorMessage(e), 'error'))}>
              Export everything (zip)
            </Button>
            <Button onClick={() => download('/api/v1/export.json', 'fieldops-export.json').catch((e) => toast(errorMessage(e), 'error'))}>
              Export everything (JSON)
            </Button>
          </>
        }
      />
      <div className="stack-lg">
        <Card title="1. Upload">
          <div className="stack">
            <SelectField label="What the file holds" value={kind} onChange={(e) => setKind(e.target.value as ImportKind)}>
              <option value="customers">Customers (with their address, phone and email)</option>
              <option value="jobs">Jobs</option>
            </SelectField>
            <SelectField label="Exported from" value={preset} onChange={(e) => setPreset(e.target.value)}>
              {PRESETS.map((p) => (
                <option key={p.value} value={p.value}>
                  {p.label}
                </option>
              ))}
            </SelectField>
            <TextField
              label="File (CSV or Excel .xlsx)"
              type="file"
              accept=".csv,.xlsx,text/csv"
              onChange={(e) => void choose(e.target.files?.[0] ?? null)}
            />
          </div>
        </Card>
        {preview ? (
          <MappingCard kind={kind} preset={preset} preview={preview} mapping={mapping} onChange={setMapping} />
        ) : null}
        {preview ? (
          <Card title="3. Dry run, then apply">
            <div className="row">
              <Button variant="primary" busy={running.isPending || !!background} onClick={() => void run(true)}>
                Dry run
              </Button>
              <Button busy={running.isPending || !!background} disabled={!report || report.import.state !== 'dry_run'} onClick={() => void run(false)}>
                Apply
              </Button>
            </div>
            {running.isPending ? <p role="status">Importing {file?.name}…</p> : null}
            {background ? <ImportProgress id={background.import.id} fileName={background.import.file_name} onDone={finished} /> : null}
            {report ? <ReportView report={report} /> : null}
          </Card>
        ) : null}
        <History />
      </div>
    </div>
  );
}

function MappingCard({ kind, preset, preview, mapping, onChange }: { kind: ImportKind; preset: string; preview: ImportPreview; mapping: Record<string, string>; onChange: (m: Record<string, string>) => void }) {
  const [name, setName] = useState('');
  const save = useSaveMapping();
  return (
    <Card title="2. Columns">
      <p>
        Read as {preview.encoding}. Pick the column that fills each field; leave a field empty to skip it.
      </p>
      <Table caption="Column mapping" columns={['Field', 'Column in your file']}>
        {preview.fields.map((field) => (
          <tr key={field}>
            <td data-label="Field">{field}</td>
            <td data-label="Column">
              <select
                aria-label={`Column for ${field}`}
                value={mapping[field] ?? ''}
                onChange={(e) => {
                  const next = { ...mapping };
                  if (e.target.value) next[field] = e.target.value;
                  else delete next[field];
                  onChange(next);
                }}
              >
                <option value="">(none)</option>
                {preview.headers.map((h) => (
                  <option key={h} value={h}>
                    {h}
                  </option>
                ))}
              </select>
            </td>
          </tr>
        ))}
      </Table>
      <div className="row">
        <TextField label="Save this mapping as" value={name} onChange={(e) => setName(e.target.value)} />
        <Button
          disabled={!name.trim()}
          busy={save.isPending}
          onClick={() =>
            save.mutate(
              { kind, name: name.trim(), source: preset || 'spreadsheet', mapping },
              { onSuccess: () => toast('Mapping saved'), onError: (e) => toast(errorMessage(e), 'error') },
            )
          }
        >
          Save mapping
        </Button>
      </div>
    </Card>
  );
}

function ReportView({ report }: { report: ImportReport }) {
  const i = report.import;
  const dry = i.state === 'dry_run';
  if (i.state === 'failed') {
    return (
      <p role="alert" data-testid="import-report">
        The import failed and changed nothing: {i.failure}
      </p>
    );
  }
  return (
    <div className="stack" data-testid="import-report">
      <p>
        {dry ? 'Would create' : 'Created'} <strong>{i.created_count}</strong>, {dry ? 'would update' : 'updated'}{' '}
        <strong>{i.updated_count}</strong>, unchanged <strong>{i.skipped_count}</strong>, refused <strong>{i.refused_count}</strong>.
      </p>
      {report.matches.length > 0 ? (
        <Table caption="Rows matching existing records" columns={['Row', 'Record', 'Matched by', 'Outcome']}>
          {report.matches.map((m) => (
            <tr key={m.row}>
              <td data-label="Row">{m.row}</td>
              <td data-label="Record">{m.label}</td>
              <td data-label="Matched by">{m.matched_by}</td>
              <td data-label="Outcome">{dry && m.outcome === 'updated' ? 'would update' : m.outcome}</td>
            </tr>
          ))}
        </Table>
      ) : null}
      {report.errors.length > 0 ? (
        <>
          <Table caption="Refused rows" columns={['Row', 'Column', 'Reason']}>
            {report.errors.map((e) => (
              <tr key={e.row}>
                <td data-label="Row">{e.row}</td>
                <td data-label="Column">{e.column}</td>
                <td data-label="Reason">{e.message}</td>
              </tr>
            ))}
          </Table>
          <Button onClick={() => download(`/api/v1/imports/${i.id}/errors.csv`, 'refused-rows.csv').catch((e) => toast(errorMessage(e), 'error'))}>
            Download refused rows (CSV)
          </Button>
        </>
      ) : null}
    </div>
  );
}

function History() {
  const imports = useImports();
  const undo = useUndoImport();
  return (
    <Card title="Past imports">
      <QueryState query={imports} loading="Loading imports…">
        {(page) =>
          page.items.length === 0 ? (
            <Empty title="No imports yet" />
          ) : (
            <Table caption="Past imports" columns={['File', 'When', 'State', 'Created', 'Updated', 'Refused']} actions>
              {page.items.map((i: ImportRecord) => (
                <tr key={i.id}>
                  <td data-label="File">{i.file_name}</td>
                  <td data-label="When">{new Date(i.created_at).toLocaleString()}</td>
                  <td data-label="State">
                    {i.state === 'undoing' ? <span role="status">undoing…</span> : i.state.replace('_', ' ')}
                    {i.state === 'applied' && i.failure ? <div className="muted">Undo did not finish: {i.failure}</div> : null}
                  </td>
                  <td data-label="Created">{i.created_count}</td>
                  <td data-label="Updated">{i.updated_count}</td>
                  <td data-label="Refused">{i.refused_count}</td>
                  <td>
                    {i.state === 'applied' && i.undo_deadline && new Date(i.undo_deadline) > new Date() ? (
                      <Button
                        size="sm"
                        busy={undo.isPending && undo.variables === i.id}
                        onClick={() =>
                          undo.mutate(i.id, {
                            onSuccess: (done) =>
                              toast(done.state === 'undoing' ? `Undoing ${i.file_name}: this takes a moment for a large import` : `Undid ${i.file_name}`),
                            onError: (e) => toast(errorMessage(e), 'error'),
                          })
                        }
                      >
                        Undo
                      </Button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </Table>
          )
        }
      </QueryState>
    </Card>
  );
}
