import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../api/client';
import { bannerMessage } from '../api/errors';
import { keys } from '../api/hooks';
import { PLATFORM_LABEL } from '../lib/calendar';
import { Alert, Button } from './ui';

export type ConnectAnswer = Schemas['ConnectAnswer'];
type Selection = Extract<ConnectAnswer, { selection: string }>;

export function isSelection(a: ConnectAnswer): a is Selection {
  return 'selection' in a;
}

/** What a completed consent gave: the connected accounts, or Pages to choose from (Meta). */
export function ConnectResult({ answer, onDone }: { answer: ConnectAnswer; onDone?: () => void }) {
  const queryClient = useQueryClient();
  const [picked, setPicked] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<ConnectAnswer | null>(null);

  const shown = result ?? answer;
  if ('accounts' in shown) {
    return (
      <Alert kind="success" title="Connected">
        <ul>
          {shown.accounts.map((a) => (
            <li key={a.id}>
              {PLATFORM_LABEL[a.platform]}: {a.account_name ?? a.account_handle ?? a.account_id}
            </li>
          ))}
        </ul>
      </Alert>
    );
  }
  if (!isSelection(shown)) return null;
  return (
    <form
      className="space-y-3 rounded-md border border-slate-300 bg-white p-4"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try {
          const next = await unwrap(api.POST('/api/social-accounts/connect', { body: { selection: shown.selection, account_ids: picked } }));
          setResult(next);
          void queryClient.invalidateQueries({ queryKey: keys.accounts });
          onDone?.();
        } catch (err) {
          setError(bannerMessage(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      <fieldset>
        <legend className="font-medium">Which {PLATFORM_LABEL[shown.platform]} accounts should we connect?</legend>
        <p className="text-sm text-slate-600">Choose before {new Date(shown.expires_at).toLocaleTimeString()}.</p>
        {shown.candidates.map((c) => (
          <label key={c.account_id} className="mt-2 flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              checked={picked.includes(c.account_id)}
              onChange={(e) => setPicked((p) => (e.target.checked ? [...p, c.account_id] : p.filter((x) => x !== c.account_id)))}
            />
            {c.name}
          </label>
        ))}
      </fieldset>
      {error && <Alert>{error}</Alert>}
      <Button type="submit" busy={busy} disabled={picked.length === 0}>Connect the selected accounts</Button>
    </form>
  );
}
