import { useState } from 'react';
import { useUser } from '../auth/AuthProvider';
import { postAuth } from '../auth/AuthProvider';
import { bannerMessage } from '../api/errors';
import { Button } from './ui';

/** Shown until the email address is verified: inviting and connecting accounts need it. */
export function VerifyBanner() {
  const user = useUser();
  const [state, setState] = useState<'idle' | 'sending' | 'sent'>('idle');
  const [error, setError] = useState<string | null>(null);
  if (user.email_verified) return null;
  return (
    <div role="status" className="flex flex-wrap items-center gap-3 border-b border-amber-300 bg-amber-50 px-4 py-2 text-sm text-amber-950" data-testid="verify-banner">
      <span>
        Confirm your email address ({user.email}) to connect social accounts and invite your team. Open the link we sent you.
      </span>
      {state === 'sent' ? (
        <span className="font-medium">A new link is on its way.</span>
      ) : (
        <Button
          variant="secondary"
          busy={state === 'sending'}
          onClick={async () => {
            setState('sending');
            setError(null);
            try {
              await postAuth('/api/auth/resend-verification', { email: user.email });
              setState('sent');
            } catch (e) {
              setError(bannerMessage(e));
              setState('idle');
            }
          }}
        >
          Send the link again
        </Button>
      )}
      {error && <span className="text-red-800">{error}</span>}
    </div>
  );
}
