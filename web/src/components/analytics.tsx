/** Pieces shared by the analytics screens: tabs, the account picker, segmented choices, change badges. */
import { useEffect, useId, useRef, useState } from 'react';
import { NavLink } from 'react-router-dom';
import type { Schemas } from '../api/client';
import { PLATFORM_LABEL } from '../lib/calendar';
import { formatChange, type ContentType } from '../lib/analytics';
import { cx, PlatformBadge } from './ui';

type Account = Schemas['AccountView'];

export function AnalyticsTabs() {
  const tab = ({ isActive }: { isActive: boolean }) =>
    cx(
      '-mb-px border-b-2 px-1 pb-2 text-sm font-medium',
      isActive ? 'border-indigo-700 text-indigo-900' : 'border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-900',
    );
  return (
    <nav aria-label="Analytics" className="mb-5 flex gap-6 border-b border-slate-200">
      <NavLink to="/analytics" end className={tab}>
        Dashboard
      </NavLink>
      <NavLink to="/analytics/reports" className={tab}>
        Reports
      </NavLink>
    </nav>
  );
}

export function accountLabel(a: Pick<Account, 'platform' | 'account_name' | 'account_handle' | 'account_id'>): string {
  return a.account_name ?? a.account_handle ?? `${PLATFORM_LABEL[a.platform]} ${a.account_id}`;
}

/** "All accounts", the one account's name, or "3 accounts". */
export function accountsSummary(selected: string[], accounts: Account[]): string {
  if (selected.length === 0) return 'All accounts';
  if (selected.length === 1) {
    const one = accounts.find((a) => a.id === selected[0]);
    return one ? accountLabel(one) : '1 account';
  }
  return `${selected.length} accounts`;
}

/**
 * A multi-select of the connected accounts: a button opening a list of checkboxes. No
 * selection means every account (what the API does without `accounts`).
 */
export function AccountPicker({ accounts, selected, onChange, label = 'Accounts' }: { accounts: Account[]; selected: string[]; onChange: (ids: string[]) => void; label?: string }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const box = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        button.current?.focus();
      }
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);
  const toggle = (accountId: string, on: boolean) => {
    const next = on ? [...selected, accountId] : selected.filter((s) => s !== accountId);
    // Every account ticked is the same as none: "all".
    onChange(next.length === accounts.length ? [] : next);
  };
  return (
    <div ref={box} className="relative space-y-1">
      <span id={`${id}-label`} className="block text-sm font-medium text-slate-800">
        {label}
      </span>
      <button
        ref={button}
        id={`${id}-button`}
        type="button"
        aria-labelledby={`${id}-label ${id}-button`}
        aria-expanded={open}
        aria-controls={`${id}-list`}
        onClick={() => setOpen((o) => !o)}
        className="flex w-full items-center justify-between gap-2 rounded-md border border-slate-300 bg-white px-3 py-2 text-left text-sm text-slate-900 shadow-sm hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
      >
        <span className="truncate">{accountsSummary(selected, accounts)}</span>
        <svg aria-hidden="true" viewBox="0 0 20 20" className="h-4 w-4 shrink-0 text-slate-500" fill="currentColor">
          <path d="M5.3 7.3a1 1 0 0 1 1.4 0L10 10.6l3.3-3.3a1 1 0 1 1 1.4 1.4l-4 4a1 1 0 0 1-1.4 0l-4-4a1 1 0 0 1 0-1.4Z" />
        </svg>
      </button>
      {open && (
        <div id={`${id}-list`} role="group" aria-label={label} className="absolute left-0 z-30 mt-1 max-h-72 w-72 max-w-[calc(100vw-2rem)] overflow-auto rounded-md border border-slate-200 bg-white p-2 shadow-lg">
          <label className="flex items-center gap-2 rounded px-2 py-1.5 text-sm font-medium hover:bg-slate-50">
            <input type="checkbox" className="h-4 w-4" checked={selected.length === 0} onChange={() => onChange([])} />
            All accounts
          </label>
          {accounts.length > 0 && <hr className="my-1 border-slate-200" />}
          {accounts.map((a) => (
            <label key={a.id} className="flex items-center gap-2 rounded px-2 py-1.5 text-sm hover:bg-slate-50">
              <input type="checkbox" className="h-4 w-4" checked={selected.includes(a.id)} onChange={(e) => toggle(a.id, e.target.checked)} />
              <PlatformBadge platform={a.platform} />
              <span className="truncate">{accountLabel(a)}</span>
            </label>
          ))}
        </div>
      )}
    </div>
  );
}

/** A row of radio buttons styled as one segmented control (arrow keys move between them). */
export function Segmented<T extends string>({ label, options, value, onChange, hideLabel }: { label: string; options: { value: T; label: string }[]; value: T; onChange: (v: T) => void; hideLabel?: boolean }) {
  const name = useId();
  return (
    <fieldset className="min-w-0">
      <legend className={hideLabel ? 'sr-only' : 'mb-1 block text-sm font-medium text-slate-800'}>{label}</legend>
      <div className="inline-flex max-w-full rounded-md border border-slate-300 bg-white p-0.5 shadow-sm">
        {options.map((o) => (
          <label
            key={o.value}
            className={cx(
              'cursor-pointer whitespace-nowrap rounded px-3 py-1.5 text-sm font-medium has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-indigo-500',
              value === o.value ? 'bg-indigo-700 text-white' : 'text-slate-700 hover:bg-slate-100',
            )}
          >
            <input type="radio" className="sr-only" name={name} value={o.value} checked={value === o.value} onChange={() => onChange(o.value)} />
            {o.label}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** The change from the previous period: green up, red down, or "no earlier data". */
export function ChangeBadge({ value, unit = 'percent', inverse }: { value: number | null | undefined; unit?: 'percent' | 'points'; inverse?: boolean }) {
  const c = formatChange(value, unit);
  if (c.direction === 'none') {
    return (
      <span className="text-xs text-slate-600" data-change="none">
        No earlier data
      </span>
    );
  }
  const good = c.direction === 'up' ? !inverse : c.direction === 'down' ? !!inverse : null;
  return (
    <span
      data-change={c.direction}
      title={c.label}
      className={cx(
        'inline-flex items-center gap-0.5 rounded-full px-1.5 py-0.5 text-xs font-semibold tabular-nums',
        good === true ? 'bg-emerald-50 text-emerald-800' : good === false ? 'bg-red-50 text-red-800' : 'bg-slate-100 text-slate-700',
      )}
    >
      {c.direction !== 'flat' && (
        <svg aria-hidden="true" viewBox="0 0 12 12" className="h-3 w-3" fill="currentColor">
          {c.direction === 'up' ? <path d="M6 2.5 10.5 8h-9z" /> : <path d="M6 9.5 1.5 4h9z" />}
        </svg>
      )}
      <span aria-hidden="true">{c.text}</span>
      <span className="sr-only">{c.label}</span>
    </span>
  );
}

/** A stand-in for a post without an image: an icon of its content type. */
export function ContentTypeIcon({ type }: { type: string }) {
  const t = type as ContentType;
  return (
    <span aria-hidden="true" className="flex h-10 w-10 shrink-0 items-center justify-center rounded-md bg-slate-100 text-slate-500">
      <svg viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round">
        {t === 'image' ? (
          <>
            <rect x="3" y="4" width="18" height="16" rx="2" />
            <circle cx="9" cy="10" r="1.8" />
            <path d="m21 16-5-5-9 9" />
          </>
        ) : t === 'video' ? (
          <>
            <rect x="3" y="5" width="18" height="14" rx="2" />
            <path d="m10 9 5 3-5 3z" fill="currentColor" />
          </>
        ) : t === 'carousel' ? (
          <>
            <rect x="7" y="4" width="13" height="13" rx="2" />
            <path d="M4 8v10a2 2 0 0 0 2 2h10" />
          </>
        ) : (
          <path d="M5 7h14M5 12h14M5 17h9" />
        )}
      </svg>
    </span>
  );
}
