import type { HistogramSnapshot } from './histogram';

export type Labels = Record<string, string | number>;
export interface Sample {
  labels?: Labels;
  value: number;
}

/** Content type of the Prometheus text exposition format, version 0.0.4. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function formatLabels(labels: Labels | undefined): string {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return '';
  const parts = entries.map(([name, value]) => {
    if (!LABEL_NAME.test(name)) throw new Error(`invalid label name ${name}`);
    return `${name}="${escapeLabelValue(String(value))}"`;
  });
  return `{${parts.join(',')}}`;
}

/**
 * Writes the Prometheus text format by hand (no client library): `# HELP`, `# TYPE`, then the
 * samples of each metric family, each family once.
 */
export class ExpositionWriter {
  private readonly lines: string[] = [];
  private readonly families = new Set<string>();

  gauge(name: string, help: string, samples: readonly Sample[]): this {
    return this.family(name, help, 'gauge', samples);
  }

  counter(name: string, help: string, samples: readonly Sample[]): this {
    return this.family(name, help, 'counter', samples);
  }

  histogram(name: string, help: string, snapshot: HistogramSnapshot, labels: Labels = {}): this {
    this.header(name, help, 'histogram');
    for (const bucket of snapshot.buckets) {
      this.sample(`${name}_bucket`, { ...labels, le: formatValue(bucket.le) }, bucket.count);
    }
    this.sample(`${name}_sum`, labels, snapshot.sum);
    this.sample(`${name}_count`, labels, snapshot.count);
    return this;
  }

  text(): string {
    return this.lines.length ? `${this.lines.join('\n')}\n` : '';
  }

  private family(name: string, help: string, type: string, samples: readonly Sample[]): this {
    this.header(name, help, type);
    for (const sample of samples) this.sample(name, sample.labels, sample.value);
    return this;
  }

  private header(name: string, help: string, type: string): void {
    if (!NAME.test(name)) throw new Error(`invalid metric name ${name}`);
    if (this.families.has(name)) throw new Error(`metric ${name} written twice`);
    this.families.add(name);
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
  }

  private sample(name: string, labels: Labels | undefined, value: number): void {
    this.lines.push(`${name}${formatLabels(labels)} ${formatValue(value)}`);
  }
}
