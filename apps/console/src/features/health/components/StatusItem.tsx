import type { StatusLine } from '../status-text';

/** One row of the status list; the tone is written out, never shown by colour alone. */
export function StatusItem({ label, line }: { label: string; line: StatusLine }) {
  return (
    <div className="status-item" data-tone={line.tone}>
      <dt>{label}</dt>
      <dd>
        <span className="status-value">{line.value}</span>
        {line.detail ? <span className="status-detail">{line.detail}</span> : null}
      </dd>
    </div>
  );
}
