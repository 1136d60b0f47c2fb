import { useEffect, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { postAuth, useAuth } from '../../auth/AuthProvider';
import { bannerMessage } from '../../api/errors';
import { Alert, Button, Loading } from '../../components/ui';
import { AuthCard } from './AuthCard';

export default function VerifyEmail() {
  const [params] = useSearchParams();
  const token = params.get('token');
  const { user, status, reloadUser } = useAuth();
  const [state, setState] = useState<'idle' | 'verifying' | 'verified' | 'failed'>(token ? 'verifying' : 'idle');
  const [message, setMessage] = useState<string | null>(null);
  const [resent, setResent] = useState(false);
  const started = useRef(false);

  useEffect(() => {
    if (!token || started.current) return;
    started.current = true;
    postAuth('/api/auth/verify-email', { token })
      .then(async () => {
        setState('verified');
        if (status === 'signedIn') await reloadUser().catch(() => undefined);
      })
      .catch((e: unknown) => {
        setState('failed');
        setMessage(bannerMessage(e));
      });
  }, [token, status, reloadUser]);

  if (state === 'verifying') {
    return (
      <AuthCard title="Confirming your email">
        <Loading label="Confirming…" />
      </AuthCard>
    );
  }
  if (state === 'verified') {
    return (
      <AuthCard title="Email confirmed">
        <Alert kind="success">Your email address is confirmed.</Alert>
        <p className="mt-4">
          <Link className="font-medium text-indigo-800 underline" to={status === 'signedIn' ? '/' : '/signin'}>
            {status === 'signedIn' ? 'Go to your dashboard' : 'Sign in'}
          </Link>
        </p>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Check your email">
      {state === 'failed' && <Alert>{message ?? 'This link is not valid any more.'}</Alert>}
      <p className="my-4 text-sm text-slate-700">
        We sent a confirmation link{user ? ` to ${user.email}` : ''}. Open it to confirm your address. You can use the app meanwhile.
      </p>
      <div className="flex flex-wrap gap-2">
        {user && (
          <Button
            variant="secondary"
            disabled={resent}
            onClick={() =>
              postAuth('/api/auth/resend-verification', { email: user.email })
                .then(() => setResent(true))
                .catch((e: unknown) => setMessage(bannerMessage(e)))
            }
          >
            {resent ? 'Sent again' : 'Send the link again'}
          </Button>
        )}
        <Link className="inline-flex items-center rounded-md bg-indigo-700 px-3 py-2 text-sm font-medium text-white" to={user ? '/' : '/signin'}>
          {user ? 'Continue to the app' : 'Sign in'}
        </Link>
      </div>
    </AuthCard>
  );
}
