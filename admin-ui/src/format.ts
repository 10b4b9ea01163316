// Every number on the dashboard goes through these, in the browser's locale.

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** 1234567 → "1,234,567" (en). */
export const formatInt = (value: number | null | undefined): string => (isNumber(value) ? integer.format(value) : '—');

/** Messages per second: one decimal below 100, whole numbers above, compact from a million. */
export function formatRate(value: number | null | undefined): string {
  if (!isNumber(value)) return '—';
  if (Math.abs(value) >= 1_000_000) return compact.format(value);
  return Math.abs(value) >= 100 ? integer.format(value) : decimal.format(value);
}

/** Compact for chart axes: 12k, 1.5M. */
export const formatAxis = (value: number): string => (Math.abs(value) >= 10_000 ? compact.format(value) : decimal.format(value));

/** 42 s · 5 min 3 s · 2 h 5 min · 3 d 4 h. */
export function formatDuration(ms: number | null | undefined): string {
  if (!isNumber(ms)) return '—';
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** How long ago a heartbeat was: tenths of a second while it is fresh. */
export function formatAge(ms: number | null | undefined): string {
  if (!isNumber(ms)) return '—';
  const clamped = Math.max(0, ms);
  if (clamped < 10_000) return `${decimal.format(Math.round(clamped / 100) / 10)} s ago`;
  return `${formatDuration(clamped)} ago`;
}

export const formatClock = (ms: number): string => clock.format(ms);
