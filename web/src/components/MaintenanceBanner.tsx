import { useMaintenance } from '../api/maintenance';

/**
 * Site-wide: shown when a write came back 503 `maintenance_mode` (a platform administrator
 * paused changes), until a write succeeds again or the answer's Retry-After has passed.
 */
export function MaintenanceBanner() {
  const notice = useMaintenance();
  if (!notice) return null;
  return (
    <div role="alert" className="border-b border-amber-400 bg-amber-100 px-4 py-2 text-sm text-amber-950" data-testid="maintenance-banner">
      <span className="font-semibold">Maintenance: changes are paused.</span> {notice.message} Reading keeps working; try your change again later.
    </div>
  );
}
