import { describe, expect, it } from 'vitest';
import { ExpositionWriter } from './exposition';
import { Histogram } from './histogram';

describe('ExpositionWriter', () => {
  it('writes HELP, TYPE and labelled samples in the text format', () => {
    const text = new ExpositionWriter()
      .gauge('outpost_queue_depth', 'Tasks waiting.', [
        { labels: { zone_id: 1 }, value: 3 },
        { labels: { zone_id: 2 }, value: 0 },
      ])
      .counter('outpost_events_published_total', 'Published.', [{ value: 7 }])
      .text();
    expect(text).toBe(
      [
        '# HELP outpost_queue_depth Tasks waiting.',
        '# TYPE outpost_queue_depth gauge',
        'outpost_queue_depth{zone_id="1"} 3',
        'outpost_queue_depth{zone_id="2"} 0',
        '# HELP outpost_events_published_total Published.',
        '# TYPE outpost_events_published_total counter',
        'outpost_events_published_total 7',
        '',
      ].join('\n'),
    );
  });

  it('escapes label values and help text', () => {
    const text = new ExpositionWriter()
      .gauge('m', 'line\nbreak \\ here', [{ labels: { holder: 'a"b\\c\nd' }, value: 1 }])
      .text();
    expect(text).toContain('# HELP m line\\nbreak \\\\ here');
    expect(text).toContain('m{holder="a\\"b\\\\c\\nd"} 1');
  });

  it('writes a histogram as cumulative buckets with +Inf, sum and count', () => {
    const histogram = new Histogram([0.1, 1]);
    for (const value of [0.05, 0.5, 0.5, 3]) histogram.observe(value);
    const text = new ExpositionWriter().histogram('d_seconds', 'Latency.', histogram.snapshot()).text();
    expect(text.split('\n').slice(2, 7)).toEqual([
      'd_seconds_bucket{le="0.1"} 1',
      'd_seconds_bucket{le="1"} 3',
      'd_seconds_bucket{le="+Inf"} 4',
      'd_seconds_sum 4.05',
      'd_seconds_count 4',
    ]);
  });

  it('refuses invalid names and a family written twice', () => {
    expect(() => new ExpositionWriter().gauge('bad-name', 'x', [])).toThrow(/invalid metric name/);
    expect(() => new ExpositionWriter().gauge('m', 'x', [{ labels: { 'bad-label': 1 }, value: 1 }])).toThrow(
      /invalid label name/,
    );
    expect(() => new ExpositionWriter().gauge('m', 'x', []).gauge('m', 'x', [])).toThrow(/twice/);
  });
});

describe('Histogram', () => {
  it('ignores negative and non-finite observations', () => {
    const histogram = new Histogram([1]);
    histogram.observe(-1);
    histogram.observe(Number.NaN);
    histogram.observe(Infinity);
    expect(histogram.snapshot()).toEqual({
      buckets: [
        { le: 1, count: 0 },
        { le: Infinity, count: 0 },
      ],
      sum: 0,
      count: 0,
    });
  });

  it('refuses bounds that do not increase', () => {
    expect(() => new Histogram([1, 1])).toThrow(/increase/);
  });
});
