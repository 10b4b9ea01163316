import { render, screen } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChartData } from '../history/node-history';

const plots = vi.hoisted(() => [] as Array<{ options: any; data: unknown; setData: ReturnType<typeof vi.fn>; destroy: ReturnType<typeof vi.fn> }>);

vi.mock('uplot', () => {
  class FakePlot {
    static rangeNum = (min: number, max: number) => [min, max];
    width = 300;
    setData = vi.fn();
    setSize = vi.fn();
    destroy = vi.fn();
    constructor(
      readonly options: unknown,
      readonly data: unknown,
    ) {
      plots.push(this as never);
    }
  }
  return { default: FakePlot };
});

const { TimeSeriesChart } = await import('./TimeSeriesChart');

describe('TimeSeriesChart', () => {
  beforeEach(() => {
    plots.length = 0;
  });

  const series = [
    { label: 'node-a', color: '#3b82f6' },
    { label: 'node-b', color: '#f97316' },
  ];
  const data: ChartData = [
    [1, 3],
    [1, 2],
    [null, 5],
  ];

  it('draws one line per node in its colour, and formats legend values', () => {
    render(<TimeSeriesChart title="Connections per node" testId="chart" data={data} series={series} format={(v) => `${v} conns`} />);
    expect(plots).toHaveLength(1);
    const { options } = plots[0]!;
    expect(options.series.slice(1).map((s: any) => [s.label, s.stroke])).toEqual([
      ['node-a', '#3b82f6'],
      ['node-b', '#f97316'],
    ]);
    expect(options.series[1].value(null, 7)).toBe('7 conns');
    expect(options.series[1].value(null, null)).toBe('—');
    expect(options.scales.x.time).toBe(true);
    expect(screen.getByText('Connections per node')).toBeTruthy();
    expect(screen.queryByText('Collecting samples…')).toBeNull();
  });

  it('feeds new samples to the same plot, and rebuilds it when the nodes change', () => {
    const view = render(<TimeSeriesChart title="t" testId="chart" data={data} series={series} format={String} />);
    const next: ChartData = [[1, 3, 5], [1, 2, 3], [null, 5, 6]];
    view.rerender(<TimeSeriesChart title="t" testId="chart" data={next} series={series} format={String} />);
    expect(plots).toHaveLength(1);
    expect(plots[0]!.setData).toHaveBeenLastCalledWith(next);
    view.rerender(<TimeSeriesChart title="t" testId="chart" data={next} series={[...series, { label: 'node-c', color: '#14b8a6' }]} format={String} />);
    expect(plots).toHaveLength(2);
    expect(plots[0]!.destroy).toHaveBeenCalled();
  });

  it('says it is collecting samples until it has two', () => {
    render(<TimeSeriesChart title="t" testId="chart" data={[[1], [4]]} series={series.slice(0, 1)} format={String} />);
    expect(screen.getByText('Collecting samples…')).toBeTruthy();
    expect(screen.getByTestId('chart').dataset.samples).toBe('1');
  });
});
