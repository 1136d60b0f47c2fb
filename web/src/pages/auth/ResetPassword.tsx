import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { postAuth } from '../../auth/AuthProvider';
import { applyApiError } from '../../lib/forms';
import { Alert, Button, Field, Input } from '../../components/ui';
import { AuthCard } from './AuthCard';

const schema = z.object({ password: z.string().min(12, 'At least 12 characters') });
type Values = z.infer<typeof schema>;

export default function ResetPassword() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const navigate = useNavigate();
  const [banner, setBanner] = useState<string | null>(null);
  const { register, handleSubmit, setError, formState } = useForm<Values>({ resolver: zodResolver(schema) });
  const onSubmit = handleSubmit(async (values) => {
    setBanner(null);
    try {
      await postAuth('/api/auth/reset-password', { token, password: values.password }).catch((e: unknown) => {
        throw e;
      });
      navigate('/signin?reset=1', { replace: true });
    } catch (e) {
      setBanner(applyApiError(e, setError, ['password'], { token: 'password' }));
    }
  });
  if (!token) {
    return (
      <AuthCard title="Choose a new password">
        <Alert>This page needs the link from the reset email.</Alert>
        <p className="mt-3"><Link className="text-indigo-800 underline" to="/forgot-password">Ask for a new link</Link></p>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Choose a new password">
      <form onSubmit={onSubmit} className="space-y-4" noValidate>
        {banner && <Alert>{banner}</Alert>}
        <Field label="New password" hint="At least 12 characters. Every device will be signed out." error={formState.errors.password?.message}>
          {(p) => <Input {...p} type="password" autoComplete="new-password" {...register('password')} />}
        </Field>
        <Button type="submit" className="w-full" busy={formState.isSubmitting}>
          Set the new password
        </Button>
      </form>
    </AuthCard>
  );
}
