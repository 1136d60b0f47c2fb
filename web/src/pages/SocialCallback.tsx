import { useEffect, useRef, useState } from 'react';
import { Link, Navigate, useLocation } from 'react-router-dom';
import { useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import { bannerMessage } from '../api/errors';
import { keys } from '../api/hooks';
import { useAuth } from '../auth/AuthProvider';
import { OAUTH_MESSAGE, readCallbackParams } from '../lib/oauth';
import { Alert, Loading } from '../components/ui';
import { ConnectResult, type ConnectAnswer } from '../components/ConnectResult';
import { AuthCard } from './auth/AuthCard';

function sameOriginOpener(): Window | null {
  try {
    const opener = window.opener as Window | null;
    if (opener && opener !== window && opener.location.origin === window.location.origin) return opener;
  } catch {
    /* a cross-origin opener: not ours */
  }
  return null;
}

/**
 * Where the platform's answer lands. In the consent popup: hand it to the page that opened it.
 * Otherwise (popup blocked, or opened in a tab): complete it here, signing in first if needed.
 */
export default function SocialCallback() {
  const location = useLocation();
  const params = readCallbackParams(location.search);
  const { status } = useAuth();
  const queryClient = useQueryClient();
  const [answer, setAnswer] = useState<ConnectAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [handedOver, setHandedOver] = useState(false);
  const started = useRef(false);

  useEffect(() => {
    if (!params || started.current) return;
    const opener = sameOriginOpener();
    if (opener) {
      started.current = true;
      opener.postMessage({ type: OAUTH_MESSAGE, params }, window.location.origin);
      setHandedOver(true);
      window.close();
      return;
    }
    if (status !== 'signedIn') return;
    started.current = true;
    unwrap(api.POST('/api/social-accounts/callback', { body: params }))
      .then((a) => {
        setAnswer(a);
        void queryClient.invalidateQueries({ queryKey: keys.accounts });
      })
      .catch((e: unknown) => setError(bannerMessage(e)));
  }, [params, status, queryClient]);

  if (!params) {
    return (
      <AuthCard title="Connecting an account">
        <Alert>This page needs the platform's answer. Start again from <Link className="underline" to="/social-accounts">Social accounts</Link>.</Alert>
      </AuthCard>
    );
  }
  if (handedOver) {
    return (
      <AuthCard title="Connecting an account">
        <p>Done. You can close this window.</p>
      </AuthCard>
    );
  }
  if (status === 'signedOut' && !sameOriginOpener()) {
    return <Navigate to={`/signin?next=${encodeURIComponent(`${location.pathname}${location.search}`)}`} replace />;
  }
  return (
    <AuthCard title="Connecting an account" footer={<Link className="text-indigo-800 underline" to="/social-accounts">Back to social accounts</Link>}>
      {error ? <Alert>{error}</Alert> : answer ? <ConnectResult answer={answer} /> : <Loading label="Finishing the connection…" />}
    </AuthCard>
  );
}
