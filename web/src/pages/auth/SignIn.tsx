import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { useAuth } from '../../auth/AuthProvider';
import { applyApiError } from '../../lib/forms';
import { Alert, Button, Field, Input } from '../../components/ui';
import { AuthCard } from './AuthCard';

const schema = z.object({
  email: z.string().min(1, 'Enter your email address'),
  password: z.string().min(1, 'Enter your password'),
});
type Values = z.infer<typeof schema>;

/** Only paths inside the app: `next` must not send anyone elsewhere. */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export default function SignIn() {
  const { signIn, status } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const [banner, setBanner] = useState<string | null>(null);
  const { register, handleSubmit, setError, formState } = useForm<Values>({ resolver: zodResolver(schema) });

  if (status === 'signedIn' && !formState.isSubmitting) return <Navigate to={next} replace />;

  const onSubmit = handleSubmit(async (values) => {
    setBanner(null);
    try {
      await signIn(values.email, values.password);
      navigate(next, { replace: true });
    } catch (e) {
      setBanner(applyApiError(e, setError, ['email', 'password']));
    }
  });

  return (
    <AuthCard
      title="Sign in"
      footer={
        <>
          New here? <Link className="font-medium text-indigo-800 underline" to="/signup">Create an account</Link>
        </>
      }
    >
      {params.get('deleted') && <Alert kind="success">Your account and personal data were erased.</Alert>}
      {params.get('reset') && <Alert kind="success">Your password was changed. Sign in with the new one.</Alert>}
      <form onSubmit={onSubmit} className="space-y-4" noValidate>
        {banner && <Alert>{banner}</Alert>}
        <Field label="Email" error={formState.errors.email?.message}>
          {(p) => <Input {...p} type="email" autoComplete="email" {...register('email')} />}
        </Field>
        <Field label="Password" error={formState.errors.password?.message}>
          {(p) => <Input {...p} type="password" autoComplete="current-password" {...register('password')} />}
        </Field>
        <Button type="submit" className="w-full" busy={formState.isSubmitting}>
          Sign in
        </Button>
        <p className="text-center text-sm">
          <Link className="text-indigo-800 underline" to="/forgot-password">Forgot your password?</Link>
        </p>
      </form>
    </AuthCard>
  );
}
