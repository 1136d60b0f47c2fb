/**
 * Pieces the section screens share that the first load does not need (so they stay out of
 * `ui.tsx`, which it carries): a section's tabs, a badge coloured by tone, a block of JSON.
 */
import type { HTMLAttributes } from 'react';
import { NavLink } from 'react-router-dom';
import { cx } from './ui';

export interface Tab {
  to: string;
  label: string;
  /** Active on exactly this path only (an index tab). */
  end?: boolean;
}

const tabClass = ({ isActive }: { isActive: boolean }) =>
  cx(
    '-mb-px whitespace-nowrap border-b-2 px-1 pb-2 text-sm font-medium',
    isActive ? 'border-indigo-700 text-indigo-900' : 'border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-900',
  );

/** A section's tabs under its page header (the AI agents, insights, the admin console). */
export function TabNav({ label, tabs }: { label: string; tabs: readonly Tab[] }) {
  return (
    <nav aria-label={label} className="mb-5 flex gap-5 overflow-x-auto border-b border-slate-200">
      {tabs.map((t) => (
        <NavLink key={t.to} to={t.to} end={t.end} className={tabClass}>
          {t.label}
        </NavLink>
      ))}
    </nav>
  );
}

export type BadgeTone = 'ok' | 'warning' | 'bad' | 'neutral';

const badgeTone: Record<BadgeTone, string> = {
  ok: 'bg-emerald-100 text-emerald-900',
  warning: 'bg-amber-100 text-amber-900',
  bad: 'bg-red-100 text-red-900',
  neutral: 'bg-slate-200 text-slate-800',
};

/** A small rounded label coloured by how it reads: fine, needs a look, wrong, or neither. */
export function Badge({ tone, className, children, ...rest }: { tone: BadgeTone } & HTMLAttributes<HTMLSpanElement>) {
  return (
    <span className={cx('inline-block rounded-full px-2 py-0.5 text-xs font-medium', badgeTone[tone], className)} {...rest}>
      {children}
    </span>
  );
}

/** JSON as it was stored, scrollable and reachable by keyboard; `className` sets its height (`max-h-96` by default). */
export function JsonBlock({ value, label, className = 'max-h-96' }: { value: unknown; label: string; className?: string }) {
  return (
    <pre tabIndex={0} aria-label={label} className={cx(className, 'overflow-auto whitespace-pre-wrap break-words rounded-md bg-slate-900 p-3 text-xs text-slate-100')}>
      {value === undefined || value === null ? 'null' : JSON.stringify(value, null, 2)}
    </pre>
  );
}
