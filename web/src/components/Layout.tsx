import { useState } from 'react';
import { NavLink, Outlet, useNavigate } from 'react-router-dom';
import { useAuth, useUser } from '../auth/AuthProvider';
import { can, type Capability } from '../lib/roles';
import { Button, cx } from './ui';
import { NotificationBell } from './NotificationBell';
import { VerifyBanner } from './VerifyBanner';
import { CrisisWatch } from './CrisisWatch';
import { MaintenanceBanner } from './MaintenanceBanner';

interface NavItem {
  to: string;
  label: string;
  needs?: Capability;
  /** Only for platform administrators (`is_super_admin`). */
  platformAdmin?: boolean;
}

const NAV: NavItem[] = [
  { to: '/', label: 'Dashboard' },
  { to: '/compose', label: 'Compose', needs: 'create_content' },
  { to: '/calendar', label: 'Calendar' },
  { to: '/posts', label: 'Posts' },
  { to: '/analytics', label: 'Analytics' },
  { to: '/insights', label: 'Insights' },
  { to: '/ai', label: 'AI agents' },
  { to: '/media', label: 'Media library' },
  { to: '/social-accounts', label: 'Social accounts' },
  { to: '/organization', label: 'Organization' },
  { to: '/settings/billing', label: 'Plan & billing' },
  { to: '/settings/integrations', label: 'Integrations' },
  { to: '/profile', label: 'Your profile' },
  { to: '/admin', label: 'Admin console', platformAdmin: true },
];

/**
 * The header's entries for feature groups: the notifications bell (analytics and the AI agents
 * are in NAV, open to every role: viewers see the agents without running them; the AI assistant
 * is in the composer; plan & billing and integrations are in NAV for everyone, read-only below
 * manager; the admin console for platform administrators only).
 */
function HeaderSlots() {
  return <NotificationBell />;
}

export function Layout() {
  const user = useUser();
  const { signOut } = useAuth();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const items = NAV.filter((i) => (!i.needs || can(user.role, i.needs)) && (!i.platformAdmin || user.is_super_admin));

  const nav = (
    <nav aria-label="Main" className="flex flex-col gap-1">
      {items.map((item) => (
        <NavLink
          key={item.to}
          to={item.to}
          end={item.to === '/' || item.to === '/compose'}
          onClick={() => setOpen(false)}
          className={({ isActive }) =>
            cx(
              'rounded-md px-3 py-2 text-sm font-medium',
              isActive ? 'bg-indigo-100 text-indigo-900' : 'text-slate-700 hover:bg-slate-100',
            )
          }
        >
          {item.label}
        </NavLink>
      ))}
    </nav>
  );

  return (
    <div className="min-h-screen md:flex">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:bg-white focus:p-2">
        Skip to content
      </a>
      <aside className="hidden w-56 shrink-0 border-r border-slate-200 bg-white p-4 md:block">
        <p className="mb-6 px-3 text-lg font-bold text-indigo-800">Social</p>
        {nav}
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex items-center justify-between gap-2 border-b border-slate-200 bg-white px-3 py-3 sm:gap-3 sm:px-4">
          <div className="flex items-center gap-2 md:hidden">
            <Button variant="ghost" aria-expanded={open} aria-controls="mobile-nav" onClick={() => setOpen((o) => !o)}>
              Menu
            </Button>
            <span className="font-bold text-indigo-800">Social</span>
          </div>
          <div className="hidden md:block" />
          {/* Tighter on phones: the bell, "New post" and "Sign out" fit on one line at 390 px. */}
          <div className="flex items-center gap-2 whitespace-nowrap sm:gap-3">
            <HeaderSlots />
            {can(user.role, 'create_content') && (
              <Button onClick={() => navigate('/compose')} data-testid="compose-button">
                New post
              </Button>
            )}
            <span className="hidden text-sm text-slate-700 sm:inline" data-testid="current-user">
              {user.first_name ?? user.email} · <span className="capitalize">{user.role}</span>
            </span>
            <Button variant="secondary" onClick={() => void signOut().then(() => navigate('/signin'))}>
              Sign out
            </Button>
          </div>
        </header>
        {open && (
          <div id="mobile-nav" className="border-b border-slate-200 bg-white p-3 md:hidden">
            {nav}
          </div>
        )}
        <MaintenanceBanner />
        <CrisisWatch />
        <VerifyBanner />
        <main id="main" className="mx-auto w-full max-w-6xl flex-1 p-4 md:p-6">
          <Outlet />
        </main>
      </div>
    </div>
  );
}
