import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { useAuth } from '../../auth/AuthProvider';
import { applyApiError } from '../../lib/forms';
import { Alert, Button, Field, Input } from '../../components/ui';
import { AuthCard } from './AuthCard';

const schema = z.object({
  first_name: z.string().max(100).optional(),
  email: z.string().email('Enter the address the invitation was sent to'),
  password: z.string().min(12, 'At least 12 characters'),
  gdpr_consent: z.literal(true, { errorMap: () => ({ message: 'You need to accept to join' }) }),
});
type Values = z.infer<typeof schema>;

export default function AcceptInvite() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const { signUp } = useAuth();
  const navigate = useNavigate();
  const [banner, setBanner] = useState<string | null>(null);
  const { register, handleSubmit, setError, formState } = useForm<Values>({ resolver: zodResolver(schema) });
  const onSubmit = handleSubmit(async (values) => {
    setBanner(null);
    try {
      await signUp({
        invite_token: token,
        email: values.email,
        password: values.password,
        first_name: values.first_name || null,
        gdpr_consent: true,
      });
      navigate('/', { replace: true });
    } catch (e) {
      setBanner(applyApiError(e, setError, ['email', 'password', 'first_name', 'gdpr_consent']));
    }
  });
  if (!token) {
    return (
      <AuthCard title="Join your team">
        <Alert>This page needs the link from the invitation email.</Alert>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Join your team">
      <form onSubmit={onSubmit} className="space-y-4" noValidate>
        {banner && <Alert>{banner}</Alert>}
        <Field label="First name (optional)" error={formState.errors.first_name?.message}>
          {(p) => <Input {...p} autoComplete="given-name" {...register('first_name')} />}
        </Field>
        <Field label="Email" error={formState.errors.email?.message}>
          {(p) => <Input {...p} type="email" autoComplete="email" {...register('email')} />}
        </Field>
        <Field label="Password" hint="At least 12 characters." error={formState.errors.password?.message}>
          {(p) => <Input {...p} type="password" autoComplete="new-password" {...register('password')} />}
        </Field>
        <div>
          <label className="flex items-start gap-2 text-sm">
            <input type="checkbox" className="mt-1" {...register('gdpr_consent')} />
            <span>I agree to the processing of my personal data under the privacy policy.</span>
          </label>
          {formState.errors.gdpr_consent && <p className="text-sm text-red-700">{formState.errors.gdpr_consent.message}</p>}
        </div>
        <Button type="submit" className="w-full" busy={formState.isSubmitting}>
          Join
        </Button>
      </form>
    </AuthCard>
  );
}
