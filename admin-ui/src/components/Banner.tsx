import type { ReactNode } from 'react';

/** A full-width notice above the dashboard. `danger` ones are announced to screen readers. */
export function Banner({ tone, title, children, testId }: { tone: 'danger' | 'warning' | 'info'; title: string; children?: ReactNode; testId: string }) {
  return (
    <div className={`banner banner-${tone}`} role={tone === 'danger' ? 'alert' : 'status'} data-testid={testId}>
      <strong className="banner-title">{title}</strong>
      {children && <span className="banner-text">{children}</span>}
    </div>
  );
}
