import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useForm } from 'react-hook-form';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { addMemory, aiKeys, deleteMemory, listMemory, type MemoryType, type MemoryView } from '../api/ai';
import { bannerMessage } from '../api/errors';
import { useUser } from '../auth/AuthProvider';
import { applyApiError } from '../lib/forms';
import { agentLabel, MEMORY_TYPE_LABEL } from '../lib/ai';
import { can } from '../lib/roles';
import { formatInstant } from '../lib/time';
import { AiRoleNotice, AiTabs } from '../components/ai';
import { Alert, Button, Card, cx, EmptyState, ErrorState, Field, Input, Loading, PageHeader, Select, Textarea } from '../components/ui';

const TYPE_STYLE: Record<MemoryType, string> = {
  knowledge: 'bg-sky-100 text-sky-900',
  preference: 'bg-violet-100 text-violet-900',
  conversation: 'bg-slate-200 text-slate-800',
};

export default function AiMemory() {
  const user = useUser();
  const [type, setType] = useState<MemoryType | ''>('');
  if (!can(user.role, 'create_content')) {
    return <AiRoleNotice title="AI agents" role={user.role} what="what they remember" />;
  }
  const mayCurate = can(user.role, 'configure_agents');
  return (
    <div>
      <PageHeader title="AI agents" />
      <AiTabs />
      <div className="grid gap-4 *:min-w-0 lg:grid-cols-5">
        <div className="lg:col-span-2">
          {mayCurate ? (
            <AddMemory />
          ) : (
            <Card title="What the agents remember">
              <p className="text-sm text-slate-700">The brand's facts and preferences the agents are given with each task, and what they wrote before. Managers and admins add and remove them.</p>
            </Card>
          )}
        </div>
        <div className="lg:col-span-3">
          <MemoryList type={type} onType={setType} mayCurate={mayCurate} timezone={user.timezone} />
        </div>
      </div>
    </div>
  );
}

interface MemoryForm {
  memory_type: 'knowledge' | 'preference';
  content: string;
  importance: string;
  expires_in_days: string;
}

const FIELDS = ['memory_type', 'content', 'importance', 'expires_in_days'] as const;

function AddMemory() {
  const queryClient = useQueryClient();
  const [banner, setBanner] = useState<string | null>(null);
  const [added, setAdded] = useState(false);
  const form = useForm<MemoryForm>({ defaultValues: { memory_type: 'knowledge', content: '', importance: '0.8', expires_in_days: '' } });
  const { errors } = form.formState;
  const onSubmit = form.handleSubmit(async (v) => {
    setBanner(null);
    setAdded(false);
    if (!v.content.trim()) {
      form.setError('content', { type: 'required', message: 'Write what the agents should know' });
      return;
    }
    try {
      await addMemory({
        memory_type: v.memory_type,
        content: v.content.trim(),
        importance: v.importance.trim() === '' ? null : Number(v.importance),
        expires_in_days: v.expires_in_days.trim() === '' ? null : Number(v.expires_in_days),
      });
      form.reset({ ...v, content: '' });
      setAdded(true);
      void queryClient.invalidateQueries({ queryKey: ['ai', 'memory'] });
    } catch (e) {
      setBanner(applyApiError(e, form.setError, [...FIELDS]));
    }
  });
  return (
    <Card title="Teach the agents">
      <form onSubmit={onSubmit} noValidate className="space-y-3" aria-label="Teach the agents">
        <p className="text-sm text-slate-600">A fact about the brand, or a rule of thumb: the agents recall what is relevant to each task.</p>
        {banner && <Alert>{banner}</Alert>}
        {added && <Alert kind="success">Remembered.</Alert>}
        <Field label="Kind" error={errors.memory_type?.message}>
          {(p) => (
            <Select {...p} {...form.register('memory_type')}>
              <option value="knowledge">Knowledge (facts, the brand voice)</option>
              <option value="preference">Preference (what to do or avoid)</option>
            </Select>
          )}
        </Field>
        <Field label="What to remember" error={errors.content?.message}>
          {(p) => <Textarea {...p} rows={3} placeholder="We never use exclamation marks." {...form.register('content')} />}
        </Field>
        <div className="grid grid-cols-2 gap-3">
          <Field label="Importance" hint="0 to 1; how much it weighs in recall." error={errors.importance?.message}>
            {(p) => <Input {...p} type="number" min={0} max={1} step={0.1} {...form.register('importance')} />}
          </Field>
          <Field label="Forget after (days)" hint="Blank: never." error={errors.expires_in_days?.message}>
            {(p) => <Input {...p} type="number" min={1} max={3650} {...form.register('expires_in_days')} />}
          </Field>
        </div>
        <Button type="submit" busy={form.formState.isSubmitting}>
          Remember this
        </Button>
      </form>
    </Card>
  );
}

function MemoryList({ type, onType, mayCurate, timezone }: { type: MemoryType | ''; onType: (t: MemoryType | '') => void; mayCurate: boolean; timezone: string }) {
  const memories = useInfiniteQuery({
    queryKey: aiKeys.memory(type),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => listMemory(type, pageParam),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const items = memories.data?.pages.flatMap((p) => p.memories) ?? [];
  return (
    <Card title="Memories">
      <div className="mb-3 max-w-xs">
        <Field label="Kind">
          {(p) => (
            <Select {...p} value={type} onChange={(e) => onType(e.target.value as MemoryType | '')}>
              <option value="">All</option>
              {(Object.keys(MEMORY_TYPE_LABEL) as MemoryType[]).map((t) => (
                <option key={t} value={t}>
                  {MEMORY_TYPE_LABEL[t]}
                </option>
              ))}
            </Select>
          )}
        </Field>
      </div>
      {memories.isPending ? (
        <Loading />
      ) : memories.isError ? (
        <ErrorState error={memories.error} onRetry={() => void memories.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState title={type ? 'No memory of this kind' : 'The agents remember nothing yet'}>
          {mayCurate ? 'Teach them with the form.' : 'They remember what they write, and what you accept or reject.'}
        </EmptyState>
      ) : (
        <>
          <ul className="divide-y divide-slate-200" aria-label="Memories" data-testid="memory-list">
            {items.map((m) => (
              <MemoryRow key={m.id} memory={m} mayDelete={mayCurate} timezone={timezone} />
            ))}
          </ul>
          {memories.hasNextPage && (
            <Button variant="secondary" className="mt-3" busy={memories.isFetchingNextPage} onClick={() => void memories.fetchNextPage()}>
              Load more
            </Button>
          )}
        </>
      )}
    </Card>
  );
}

function MemoryRow({ memory: m, mayDelete, timezone }: { memory: MemoryView; mayDelete: boolean; timezone: string }) {
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: () => deleteMemory(m.id),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['ai', 'memory'] }),
  });
  const excerpt = m.content.length > 40 ? `${m.content.slice(0, 40)}…` : m.content;
  return (
    <li className="py-3 first:pt-0 last:pb-0" data-memory-id={m.id} data-memory-type={m.memory_type}>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="flex flex-wrap items-center gap-2 text-xs">
          <span className={cx('rounded px-1.5 py-0.5 font-medium', TYPE_STYLE[m.memory_type])}>{MEMORY_TYPE_LABEL[m.memory_type]}</span>
          <span className="text-slate-700">{m.agent_type ? agentLabel(m.agent_type) : 'Every agent'}</span>
          <span className="text-slate-700">importance {m.importance.toFixed(1)}</span>
        </div>
        {mayDelete && (
          <Button
            variant="ghost"
            className="px-2 py-1 text-xs text-red-800"
            busy={remove.isPending}
            aria-label={`Forget “${excerpt}”`}
            onClick={() => {
              if (window.confirm(`Forget this memory? The agents will no longer be given it:\n\n${m.content}`)) remove.mutate();
            }}
          >
            Forget
          </Button>
        )}
      </div>
      <p className="mt-1 whitespace-pre-wrap break-words text-sm text-slate-900">{m.content}</p>
      <p className="mt-1 text-xs text-slate-600">
        Since {formatInstant(m.created_at, timezone)}
        {m.expires_at ? ` · forgotten on ${formatInstant(m.expires_at, timezone)}` : ' · kept until removed'}
        {m.source_task_id && (
          <>
            {' · '}
            <Link className="text-indigo-800 underline" to={`/ai/tasks/${m.source_task_id}`}>
              from a task
            </Link>
          </>
        )}
      </p>
      {remove.isError && (
        <div className="mt-2">
          <Alert>{bannerMessage(remove.error)}</Alert>
        </div>
      )}
    </li>
  );
}
