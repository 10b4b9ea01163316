/** Node colours, the same in the charts and the nodes table; readable on light and dark. */
export const NODE_PALETTE = ['#3b82f6', '#f97316', '#14b8a6', '#a855f7', '#ec4899', '#84cc16', '#0ea5e9', '#eab308'];

export const GONE_COLOR = '#94a3b8';

export const nodeColor = (index: number): string => (index < 0 ? GONE_COLOR : NODE_PALETTE[index % NODE_PALETTE.length]!);
