import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { Link } from 'react-router-dom';
import { postAuth } from '../../auth/AuthProvider';
import { applyApiError } from '../../lib/forms';
import { Alert, Button, Field, Input } from '../../components/ui';
import { AuthCard } from './AuthCard';

const schema = z.object({ email: z.string().email('Enter a valid email address') });
type Values = z.infer<typeof schema>;

export default function ForgotPassword() {
  const [done, setDone] = useState<string | null>(null);
  const [banner, setBanner] = useState<string | null>(null);
  const { register, handleSubmit, setError, formState } = useForm<Values>({ resolver: zodResolver(schema) });
  const onSubmit = handleSubmit(async (values) => {
    setBanner(null);
    try {
      const answer = await postAuth<{ message: string }>('/api/auth/forgot-password', values);
      setDone(answer.message);
    } catch (e) {
      setBanner(applyApiError(e, setError, ['email']));
    }
  });
  return (
    <AuthCard title="Reset your password" footer={<Link className="text-indigo-800 underline" to="/signin">Back to sign in</Link>}>
      {done ? (
        <Alert kind="success">{done}</Alert>
      ) : (
        <form onSubmit={onSubmit} className="space-y-4" noValidate>
          {banner && <Alert>{banner}</Alert>}
          <Field label="Email" error={formState.errors.email?.message}>
            {(p) => <Input {...p} type="email" autoComplete="email" {...register('email')} />}
          </Field>
          <Button type="submit" className="w-full" busy={formState.isSubmitting}>
            Email me a reset link
          </Button>
        </form>
      )}
    </AuthCard>
  );
}
