import { useEffect, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { kindLabel, unsubscribe, type NotificationKind } from '../api/notifications';
import { bannerMessage } from '../api/errors';
import { useAuth } from '../auth/AuthProvider';
import { Alert, Loading } from '../components/ui';
import { AuthCard } from './auth/AuthCard';

type State = { step: 'working' } | { step: 'done'; off: string[] } | { step: 'failed'; message: string };

/**
 * The page the emails' "unsubscribe" links open (`/unsubscribe?user=&token=[&kind=]`). No
 * sign-in: the link's token is the credential. It turns the emails off on arrival (what a
 * one-click unsubscribe promises) and says which.
 */
export default function Unsubscribe() {
  const [params] = useSearchParams();
  const { status } = useAuth();
  const user = params.get('user');
  const token = params.get('token');
  const kind = params.get('kind');
  const [state, setState] = useState<State>(() =>
    user && token ? { step: 'working' } : { step: 'failed', message: 'This link is incomplete. Open the whole link from the email, or change your email settings after signing in.' },
  );
  const started = useRef(false);

  useEffect(() => {
    if (!user || !token || started.current) return;
    started.current = true;
    // The link's kind goes as it is: the API judges it (422 for one it does not know).
    unsubscribe({ user, token, ...(kind ? { kind: kind as NotificationKind } : {}) })
      .then((answer) => setState({ step: 'done', off: answer.email_off }))
      .catch((e: unknown) => setState({ step: 'failed', message: bannerMessage(e) ?? 'The emails could not be turned off.' }));
  }, [user, token, kind]);

  const settingsLink = (
    <Link className="font-medium text-indigo-800 underline" to="/settings/notifications">
      {status === 'signedIn' ? 'Your notification settings' : 'Sign in to change your notification settings'}
    </Link>
  );

  if (state.step === 'working') {
    return (
      <AuthCard title="Unsubscribing">
        <Loading label="Turning the emails off…" />
      </AuthCard>
    );
  }
  if (state.step === 'failed') {
    return (
      <AuthCard title="Could not unsubscribe" footer={settingsLink}>
        <Alert>{state.message}</Alert>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="You are unsubscribed" footer={settingsLink}>
      {state.off.length === 0 ? (
        <Alert kind="success">These emails were already off.</Alert>
      ) : (
        <>
          <Alert kind="success">We will not email you about these any more:</Alert>
          <ul className="mt-3 list-disc space-y-1 pl-5 text-sm" data-testid="emails-off">
            {state.off.map((k) => <li key={k}>{kindLabel(k)}</li>)}
          </ul>
        </>
      )}
      <p className="mt-4 text-sm text-slate-700">You still see them in the app. You can turn emails back on in your notification settings.</p>
    </AuthCard>
  );
}
