import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { Link, useNavigate } from 'react-router-dom';
import { useAuth } from '../../auth/AuthProvider';
import { applyApiError } from '../../lib/forms';
import { Alert, Button, Field, Input } from '../../components/ui';
import { AuthCard } from './AuthCard';

export const signUpSchema = z.object({
  first_name: z.string().max(100).optional(),
  email: z.string().min(1, 'Enter your email address').email('Enter a valid email address'),
  password: z.string().min(12, 'At least 12 characters'),
  organization_name: z.string().min(1, 'Name your organization').max(255),
  gdpr_consent: z.literal(true, { errorMap: () => ({ message: 'You need to accept to create an account' }) }),
});
type Values = z.infer<typeof signUpSchema>;

export default function SignUp() {
  const { signUp } = useAuth();
  const navigate = useNavigate();
  const [banner, setBanner] = useState<string | null>(null);
  const { register, handleSubmit, setError, formState } = useForm<Values>({ resolver: zodResolver(signUpSchema) });

  const onSubmit = handleSubmit(async (values) => {
    setBanner(null);
    try {
      await signUp({
        email: values.email,
        password: values.password,
        organization_name: values.organization_name,
        first_name: values.first_name || null,
        gdpr_consent: true,
      });
      navigate('/verify-email', { replace: true });
    } catch (e) {
      setBanner(applyApiError(e, setError, ['email', 'password', 'organization_name', 'first_name', 'gdpr_consent']));
    }
  });

  return (
    <AuthCard
      title="Create your account"
      footer={
        <>
          Already have an account? <Link className="font-medium text-indigo-800 underline" to="/signin">Sign in</Link>
        </>
      }
    >
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
        <Field label="Organization name" error={formState.errors.organization_name?.message}>
          {(p) => <Input {...p} autoComplete="organization" {...register('organization_name')} />}
        </Field>
        <div>
          <label className="flex items-start gap-2 text-sm">
            <input type="checkbox" className="mt-1" {...register('gdpr_consent')} aria-invalid={!!formState.errors.gdpr_consent} />
            <span>I agree to the processing of my personal data under the privacy policy.</span>
          </label>
          {formState.errors.gdpr_consent && <p className="text-sm text-red-700">{formState.errors.gdpr_consent.message}</p>}
        </div>
        <Button type="submit" className="w-full" busy={formState.isSubmitting}>
          Create account
        </Button>
      </form>
    </AuthCard>
  );
}
