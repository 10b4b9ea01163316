import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatAxis, formatClock } from '../format';
import { usePrefersDark } from '../hooks';
import type { ChartData } from '../history/node-history';

export interface ChartSeries {
  label: string;
  color: string;
}

interface Props {
  title: string;
  testId: string;
  data: ChartData;
  series: ChartSeries[];
  /** Formats a value for the legend. */
  format: (value: number) => string;
  height?: number;
}

function showLatest(u: uPlot): void {
  const last = u.data[0].length - 1;
  if (last >= 0 && u.cursor.idx == null) u.setLegend({ idx: last });
}

const cssVar = (name: string, fallback: string) =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

/**
 * A live time series (uPlot): one line per node. The plot is created once per set of
 * series and theme, and only gets new data on each poll.
 */
export function TimeSeriesChart({ title, testId, data, series, format, height = 170 }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(data);
  latest.current = data;
  const formatRef = useRef(format);
  formatRef.current = format;
  const dark = usePrefersDark();
  const seriesKey = series.map((s) => `${s.label}\u0000${s.color}`).join('\u0001');

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const axis = cssVar('--muted', '#64748b');
    const grid = cssVar('--grid', 'rgba(100,116,139,0.18)');
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 240),
      height,
      padding: [8, 28, 0, 0],
      legend: { live: true },
      hooks: {
        // Without the cursor on the plot, the legend shows the latest values rather than dashes.
        setData: [showLatest],
        setCursor: [(u) => u.cursor.idx == null && showLatest(u)],
      },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      scales: {
        x: { time: true },
        y: { range: (_u, _min, max) => uPlot.rangeNum(0, Math.max(max ?? 0, 1), 0.1, true) },
      },
      axes: [
        {
          stroke: axis,
          space: 90,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid, width: 1 },
          values: (_u, splits) => splits.map((seconds) => formatClock(seconds * 1000)),
        },
        { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { show: false }, size: 48, values: (_u, splits) => splits.map(formatAxis) },
      ],
      series: [
        { label: 'Time', value: (_u, v) => (v == null ? '—' : formatClock(v * 1000)) },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          points: { show: false },
          spanGaps: false,
          value: (_u: uPlot, v: number | null) => (v == null ? '—' : formatRef.current(v)),
        })),
      ],
    };
    const chart = new uPlot(options, latest.current as uPlot.AlignedData, element);
    plot.current = chart;
    let observer: ResizeObserver | undefined;
    if (typeof ResizeObserver !== 'undefined') {
      observer = new ResizeObserver(() => {
        const width = Math.max(element.clientWidth, 240);
        if (width !== chart.width) chart.setSize({ width, height });
      });
      observer.observe(element);
    }
    return () => {
      observer?.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [seriesKey, dark, height]);

  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  }, [data]);

  const samples = data[0].length;
  return (
    <figure className="panel chart" data-testid={testId} data-samples={samples}>
      <figcaption className="panel-title">{title}</figcaption>
      <div className={`chart-body${samples < 2 ? ' chart-body-empty' : ''}`}>
        <div ref={container} className="chart-canvas" />
        {samples < 2 && <div className="chart-empty">Collecting samples…</div>}
      </div>
    </figure>
  );
}
