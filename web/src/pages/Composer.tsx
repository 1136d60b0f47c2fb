import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useForm, useWatch, type Path } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, idempotencyKey, unwrap, type Schemas } from '../api/client';
import { ApiError } from '../api/errors';
import { useAccounts } from '../api/hooks';
import { useUser } from '../auth/AuthProvider';
import { applyApiError } from '../lib/forms';
import { can } from '../lib/roles';
import { ambiguousTimeChoices, describeLocal, localDateTime, type OffsetChoice } from '../lib/time';
import { isMovable, PLATFORM_LABEL, type Platform } from '../lib/calendar';
import { mergeHashtags } from '../lib/ai';
import { browserTimeZone, describeLocalTime, describeQueueSlot } from '../lib/insights';
import { addToQueue, type QueueResult } from '../api/insights';
import { postQueryKey } from '../live/useLiveEvents';
import { Alert, Button, Card, EmptyState, ErrorState, Field, Input, Loading, PageHeader, PlatformBadge, Textarea } from '../components/ui';
import { PlatformPreview } from '../components/PlatformPreview';
import { MediaPicker } from '../components/MediaPicker';
import { AiAssistant } from '../components/AiAssistant';
import { EngagementPanel } from '../components/EngagementPanel';
import { UploadList, useUploads, type Asset } from '../components/uploads';

const schema = z.object({
  title: z.string().max(500),
  content: z.string().max(63206),
  hashtags: z.string(),
  accounts: z.array(z.string()),
  customized: z.record(z.boolean()),
  overrides: z.record(z.string()),
  media: z.array(z.string()),
  local_time: z.string(),
});
export type ComposerValues = z.infer<typeof schema>;

const AUTOSAVE_MS = 700;

/** Hashtags as typed ("#launch, news") → the API's list. */
export function parseHashtags(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((t) => t.trim().replace(/^#/, ''))
    .filter(Boolean);
}

export function toPostInput(v: ComposerValues): Schemas['PostInput'] & { title: string | null } {
  return {
    title: v.title.trim() || null,
    content: v.content,
    hashtags: parseHashtags(v.hashtags),
    media: v.media,
    mentions: [],
    targets: v.accounts.map((id) => ({
      social_account_id: id,
      text: v.customized[id] && v.overrides[id]?.trim() ? v.overrides[id]! : null,
    })),
  };
}

function fromPost(post: Schemas['Post']): Partial<ComposerValues> {
  const customized: Record<string, boolean> = {};
  const overrides: Record<string, string> = {};
  for (const t of post.targets) {
    if (t.text_override) {
      customized[t.social_account_id] = true;
      overrides[t.social_account_id] = t.text_override;
    }
  }
  return {
    title: post.title ?? '',
    content: post.content,
    hashtags: post.hashtags.map((h) => `#${h.replace(/^#/, '')}`).join(' '),
    accounts: post.targets.map((t) => t.social_account_id),
    customized,
    overrides,
    media: post.media,
  };
}

type SaveState = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved'; at: Date } | { kind: 'error'; message: string };

export default function Composer() {
  const user = useUser();
  if (!can(user.role, 'create_content')) {
    return (
      <div>
        <PageHeader title="New post" />
        <Alert kind="info">Your role ({user.role}) can look at posts but not write them. Ask an admin for the user role.</Alert>
      </div>
    );
  }
  return <ComposerForm />;
}

function ComposerForm() {
  const params = useParams();
  const navigate = useNavigate();
  const user = useUser();
  const queryClient = useQueryClient();
  const accounts = useAccounts();
  const [postId, setPostId] = useState<string | undefined>(params.id);
  const [version, setVersion] = useState(0);
  const [save, setSave] = useState<SaveState>({ kind: 'idle' });
  const [banner, setBanner] = useState<string | null>(null);
  const [dstChoices, setDstChoices] = useState<OffsetChoice[] | null>(null);
  const [dstOffset, setDstOffset] = useState<string>('');
  const [busy, setBusy] = useState<'schedule' | 'publish' | 'save' | 'queue' | null>(null);
  const [queued, setQueued] = useState<(QueueResult['slot'] & { timezone: string; postId: string }) | null>(null);
  const [picker, setPicker] = useState(false);
  const [assets, setAssets] = useState<Record<string, Asset>>({});
  const createKey = useRef(idempotencyKey());
  const idRef = useRef<string | undefined>(params.id);
  const queue = useRef<Promise<unknown>>(Promise.resolve());
  const lastSaved = useRef<string>('');
  const loadedFor = useRef<string | undefined>(undefined);

  const form = useForm<ComposerValues>({
    resolver: zodResolver(schema),
    defaultValues: { title: '', content: '', hashtags: '', accounts: [], customized: {}, overrides: {}, media: [], local_time: '' },
  });
  const { register, setError, clearErrors, formState, setValue, getValues, reset, control } = form;
  const values = useWatch({ control });

  const existing = useQuery({
    queryKey: postQueryKey(params.id ?? 'new'),
    enabled: !!params.id,
    queryFn: () => unwrap(api.GET('/api/posts/{id}', { params: { path: { id: params.id! } } })),
  });

  useEffect(() => {
    if (existing.data && loadedFor.current !== existing.data.id) {
      loadedFor.current = existing.data.id;
      const loaded = { ...getValues(), ...fromPost(existing.data) };
      if (existing.data.scheduled_at) {
        loaded.local_time = localDateTime(new Date(existing.data.scheduled_at), user.timezone);
      }
      reset(loaded);
      lastSaved.current = JSON.stringify(toPostInput(loaded));
      idRef.current = existing.data.id;
      setPostId(existing.data.id);
    }
  }, [existing.data, getValues, reset, user.timezone]);

  const addAssets = useCallback((list: Asset[]) => {
    setAssets((m) => {
      const next = { ...m };
      for (const a of list) next[a.id] = a;
      return next;
    });
  }, []);
  const uploader = useUploads(
    useCallback(
      (asset: Asset) => {
        addAssets([asset]);
        setValue('media', [...getValues('media'), asset.id], { shouldDirty: true });
      },
      [addAssets, getValues, setValue],
    ),
  );

  const library = useQuery({
    queryKey: ['media', { composer: true }],
    enabled: (values.media ?? []).some((id) => !assets[id]),
    queryFn: () => unwrap(api.GET('/api/media', { params: { query: { limit: 100 } } })),
  });
  useEffect(() => {
    if (library.data) addAssets(library.data.items);
  }, [library.data, addAssets]);

  const fieldNames = useMemo(() => {
    const ids = getValues('accounts');
    return ['title', 'content', 'hashtags', 'accounts', 'media', 'local_time', ...ids.map((id) => `overrides.${id}` as const)] as Path<ComposerValues>[];
  }, [values.accounts]); // eslint-disable-line react-hooks/exhaustive-deps

  const aliases = useCallback((): Record<string, string> => {
    const map: Record<string, string> = { targets: 'accounts', utc_offset: 'local_time', timezone: 'local_time' };
    getValues('accounts').forEach((id, i) => {
      map[`targets[${i}].text`] = `overrides.${id}`;
      map[`targets[${i}].social_account_id`] = 'accounts';
      map[`targets[${i}]`] = `overrides.${id}`;
    });
    return map;
  }, [getValues]);

  /** Saves the draft (create, then update); resolves with its id. Saves run one at a time. */
  const saveNow = useCallback((): Promise<string | undefined> => {
    const run = async (): Promise<string | undefined> => {
      const body = toPostInput(getValues());
      if (!body.content.trim() || body.targets.length === 0) return idRef.current;
      const serialized = JSON.stringify(body);
      const id = idRef.current;
      if (id && serialized === lastSaved.current) return id;
      setSave({ kind: 'saving' });
      try {
        const post = id
          ? await unwrap(api.PUT('/api/posts/{id}', { params: { path: { id } }, body }))
          : await unwrap(api.POST('/api/posts', { body, params: { header: { 'Idempotency-Key': createKey.current } } }));
        lastSaved.current = serialized;
        queryClient.setQueryData(postQueryKey(post.id), post);
        if (!id) {
          idRef.current = post.id;
          loadedFor.current = post.id;
          setPostId(post.id);
          // Keep the address bookmarkable without remounting the composer.
          window.history.replaceState(window.history.state, '', `/compose/${post.id}`);
        }
        clearErrors();
        setSave({ kind: 'saved', at: new Date() });
        setVersion((n) => n + 1);
        return post.id;
      } catch (e) {
        const message = applyApiError(e, setError, fieldNames, aliases());
        setSave({ kind: 'error', message: message ?? 'Some fields need attention.' });
        throw e;
      }
    };
    const next = queue.current.then(run, run);
    queue.current = next.catch(() => undefined);
    return next;
  }, [aliases, clearErrors, fieldNames, getValues, queryClient, setError]);

  // Autosave, debounced: the preview is always the API's view of a saved draft.
  const serializedInput = JSON.stringify(toPostInput(values as ComposerValues));
  useEffect(() => {
    if (existing.isPending && params.id) return;
    if (serializedInput === lastSaved.current) return;
    const timer = window.setTimeout(() => {
      saveNow().catch(() => undefined);
    }, AUTOSAVE_MS);
    return () => window.clearTimeout(timer);
  }, [serializedInput, saveNow, existing.isPending, params.id]);

  const preview = useQuery({
    queryKey: ['preview', postId, version],
    enabled: !!postId,
    placeholderData: (prev) => prev,
    queryFn: () => unwrap(api.GET('/api/posts/{id}/preview', { params: { path: { id: postId! } } })),
  });

  const schedule = async (offset?: string) => {
    setBanner(null);
    clearErrors('local_time');
    const localTime = getValues('local_time');
    if (!localTime) {
      setError('local_time', { type: 'required', message: 'Choose a date and time' });
      return;
    }
    setBusy('schedule');
    try {
      const id = await saveNow();
      if (!id) throw new Error('Write some text and pick at least one account first.');
      const post = await unwrap(
        api.POST('/api/posts/{id}/schedule', {
          params: { path: { id }, header: { 'Idempotency-Key': idempotencyKey() } },
          body: { local_time: localTime, timezone: user.timezone, ...(offset ? { utc_offset: offset } : {}) },
        }),
      );
      queryClient.setQueryData(postQueryKey(id), post);
      void queryClient.invalidateQueries({ queryKey: ['calendar'] });
      void queryClient.invalidateQueries({ queryKey: ['posts'] });
      navigate(`/posts/${id}`);
    } catch (e) {
      const ambiguous = e instanceof ApiError ? e.details.find((d) => d.field === 'utc_offset') : undefined;
      const choices = ambiguous ? ambiguousTimeChoices(ambiguous.issue, localTime) : null;
      if (choices) {
        setDstChoices(choices);
        setDstOffset('');
      } else if (e instanceof ApiError || e instanceof Error) {
        setBanner(applyApiError(e, setError, fieldNames, aliases()));
      }
    } finally {
      setBusy(null);
    }
  };

  /** Puts the post in the next free slot: the accounts' posting slots, else the best times. */
  const addQueue = async () => {
    setBanner(null);
    setQueued(null);
    clearErrors('local_time');
    setBusy('queue');
    try {
      const id = await saveNow();
      if (!id) throw new Error('Write some text and pick at least one account first.');
      const timezone = browserTimeZone();
      const result = await addToQueue(id, timezone);
      queryClient.setQueryData(postQueryKey(id), result.post);
      setValue('local_time', localDateTime(new Date(result.slot.scheduled_at), user.timezone));
      setQueued({ ...result.slot, timezone, postId: id });
      void queryClient.invalidateQueries({ queryKey: ['calendar'] });
      void queryClient.invalidateQueries({ queryKey: ['posts'] });
    } catch (e) {
      setBanner(applyApiError(e, setError, fieldNames, aliases()));
    } finally {
      setBusy(null);
    }
  };

  const publishNow = async () => {
    setBanner(null);
    setBusy('publish');
    try {
      const id = await saveNow();
      if (!id) throw new Error('Write some text and pick at least one account first.');
      const post = await unwrap(
        api.POST('/api/posts/{id}/publish', { params: { path: { id }, header: { 'Idempotency-Key': idempotencyKey() } } }),
      );
      queryClient.setQueryData(postQueryKey(id), post);
      void queryClient.invalidateQueries({ queryKey: ['posts'] });
      navigate(`/posts/${id}`);
    } catch (e) {
      setBanner(applyApiError(e, setError, fieldNames, aliases()));
    } finally {
      setBusy(null);
    }
  };

  if (accounts.isPending || (params.id && existing.isPending)) return <Loading />;
  if (accounts.isError) return <ErrorState error={accounts.error} onRetry={() => void accounts.refetch()} />;
  if (existing.isError) return <ErrorState error={existing.error} onRetry={() => void existing.refetch()} />;
  if (existing.data && !isMovable(existing.data.status)) {
    return (
      <div>
        <PageHeader title="Edit post" />
        <Alert kind="info">This post has started publishing and can no longer be changed. <Link className="underline" to={`/posts/${existing.data.id}`}>See its status</Link>.</Alert>
      </div>
    );
  }

  const list = accounts.data.accounts;
  const selected = values.accounts ?? [];
  const previews = preview.data?.targets ?? [];
  const errors = formState.errors;
  const mediaAssets = (values.media ?? []).map((id) => assets[id]).filter((a): a is Asset => !!a);

  /** The assistant's text as the post's text, or as its own text for one platform's accounts. */
  const putAiText = (text: string, platform?: Platform) => {
    if (!platform) {
      setValue('content', text, { shouldDirty: true });
      return;
    }
    for (const id of getValues('accounts')) {
      if (list.find((a) => a.id === id)?.platform !== platform) continue;
      setValue(`customized.${id}`, true, { shouldDirty: true });
      setValue(`overrides.${id}`, text, { shouldDirty: true });
    }
  };
  const addAiHashtags = (tags: string[]) => setValue('hashtags', mergeHashtags(getValues('hashtags'), tags), { shouldDirty: true });

  return (
    <div>
      <PageHeader title={postId ? 'Edit post' : 'New post'}>
        <Link to="/compose/bulk" className="inline-flex items-center rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium">
          Import a CSV
        </Link>
      </PageHeader>
      <p className="mb-4 text-sm text-slate-700" aria-live="polite" data-testid="save-state">
        {save.kind === 'saving' && 'Saving draft…'}
        {save.kind === 'saved' && `Draft saved at ${save.at.toLocaleTimeString()}`}
        {save.kind === 'error' && <span className="text-red-800">Not saved: {save.message}</span>}
        {save.kind === 'idle' && (postId ? 'Draft' : 'Write your text and pick accounts; the draft saves itself.')}
      </p>
      {banner && <div className="mb-4"><Alert>{banner}</Alert></div>}
      {list.length === 0 ? (
        <EmptyState title="Connect an account first">
          <Link className="text-indigo-800 underline" to="/social-accounts">Connect a social account</Link> to write posts for it.
        </EmptyState>
      ) : (
        <div className="grid gap-6 lg:grid-cols-2">
          <form className="space-y-4" onSubmit={(e) => e.preventDefault()} noValidate>
            <Card>
              <fieldset>
                <legend className="mb-2 text-sm font-medium">Post to</legend>
                <div className="flex flex-wrap gap-2">
                  {list.map((a) => (
                    <label key={a.id} className="flex items-center gap-2 rounded border border-slate-300 px-2 py-1 text-sm">
                      <input type="checkbox" value={a.id} {...register('accounts')} disabled={!a.is_active || a.needs_reconnect} />
                      <PlatformBadge platform={a.platform} /> {a.account_name ?? a.account_handle}
                      {a.needs_reconnect && <span className="text-red-800">(reconnect)</span>}
                    </label>
                  ))}
                </div>
                {errors.accounts && <p className="mt-1 text-sm text-red-700">{errors.accounts.message}</p>}
              </fieldset>
            </Card>
            <Card>
              <div className="space-y-4">
                <Field label="Title (only for you)" error={errors.title?.message}>
                  {(p) => <Input {...p} {...register('title')} />}
                </Field>
                <Field label="Text" error={errors.content?.message}>
                  {(p) => <Textarea {...p} rows={6} {...register('content')} />}
                </Field>
                <Field label="Hashtags" hint="Separated by spaces; added where the text does not use them." error={errors.hashtags?.message}>
                  {(p) => <Input {...p} placeholder="#launch #news" {...register('hashtags')} />}
                </Field>
                {selected.map((id) => {
                  const account = list.find((a) => a.id === id);
                  if (!account) return null;
                  const label = `${PLATFORM_LABEL[account.platform]} · ${account.account_name ?? account.account_handle ?? ''}`;
                  return (
                    <div key={id} className="rounded border border-slate-200 p-3">
                      <label className="flex items-center gap-2 text-sm">
                        <input type="checkbox" {...register(`customized.${id}`)} /> Different text for {label}
                      </label>
                      {values.customized?.[id] && (
                        <div className="mt-2">
                          <Field label={`Text for ${label}`} error={errors.overrides?.[id]?.message}>
                            {(p) => <Textarea {...p} rows={3} {...register(`overrides.${id}`)} />}
                          </Field>
                        </div>
                      )}
                    </div>
                  );
                })}
              </div>
            </Card>
            <Card title="Media">
              <div className="flex flex-wrap gap-2">
                {mediaAssets.map((a) => (
                  <figure key={a.id} className="w-24 text-xs">
                    {a.url && a.kind === 'image' ? <img src={a.url} alt={a.alt_text ?? a.original_name} className="h-24 w-24 rounded object-cover" /> : <span className="flex h-24 w-24 items-center justify-center rounded bg-slate-200">{a.kind}</span>}
                    <button type="button" className="mt-1 text-red-800 underline" onClick={() => setValue('media', getValues('media').filter((m) => m !== a.id), { shouldDirty: true })}>
                      Remove
                    </button>
                  </figure>
                ))}
                {(values.media ?? []).filter((id) => !assets[id]).map((id) => (
                  <span key={id} className="rounded bg-slate-100 px-2 py-1 text-xs">Media {id.slice(0, 8)}</span>
                ))}
              </div>
              <div className="mt-3 flex flex-wrap gap-2">
                <Button variant="secondary" onClick={() => setPicker(true)}>From the library</Button>
                <label className="inline-flex cursor-pointer items-center rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium focus-within:ring-2 focus-within:ring-indigo-500">
                  Upload files
                  <input
                    type="file"
                    className="sr-only"
                    multiple
                    accept="image/jpeg,image/png,image/gif,image/webp,video/mp4,video/quicktime"
                    data-testid="composer-upload"
                    onChange={(e) => {
                      if (e.target.files?.length) void uploader.upload(e.target.files);
                      e.target.value = '';
                    }}
                  />
                </label>
              </div>
              <div className="mt-3"><UploadList uploads={uploader.uploads} /></div>
              {errors.media && <p className="text-sm text-red-700">{errors.media.message}</p>}
            </Card>
            <Card title="When">
              <Field label={`Date and time (${user.timezone})`} hint={<>Your time zone comes from <Link className="underline" to="/profile">your profile</Link>.</>} error={errors.local_time?.message}>
                {(p) => <Input {...p} type="datetime-local" {...register('local_time')} />}
              </Field>
              {dstChoices && (
                <fieldset className="mt-3 rounded border border-amber-300 bg-amber-50 p-3 text-sm" data-testid="dst-question">
                  <legend className="px-1 font-medium">
                    {describeLocal(getValues('local_time'))} happens twice in {user.timezone}, because the clocks go back that night. Which one do you mean?
                  </legend>
                  {dstChoices.map((c) => (
                    <label key={c.offset} className="mt-1 flex items-center gap-2">
                      <input type="radio" name="dst" value={c.offset} checked={dstOffset === c.offset} onChange={() => setDstOffset(c.offset)} />
                      {c.label}
                    </label>
                  ))}
                  <div className="mt-2 flex gap-2">
                    <Button disabled={!dstOffset} busy={busy === 'schedule'} onClick={() => void schedule(dstOffset).then(() => setDstChoices(null))}>Schedule then</Button>
                    <Button variant="ghost" onClick={() => setDstChoices(null)}>Pick another time</Button>
                  </div>
                </fieldset>
              )}
              <div className="mt-4 flex flex-wrap gap-2">
                <Button busy={busy === 'schedule'} disabled={!!busy} onClick={() => void schedule()}>Schedule</Button>
                <Button variant="secondary" busy={busy === 'queue'} disabled={!!busy} onClick={() => void addQueue()}>Add to queue</Button>
                <Button variant="secondary" busy={busy === 'publish'} disabled={!!busy} onClick={() => void publishNow()}>Publish now</Button>
                <Button
                  variant="ghost"
                  busy={busy === 'save'}
                  disabled={!!busy}
                  onClick={() => {
                    setBusy('save');
                    saveNow()
                      .catch(() => undefined)
                      .finally(() => setBusy(null));
                  }}
                >
                  Save draft
                </Button>
              </div>
              {queued && (
                <div className="mt-3" data-testid="queue-result" data-source={queued.source}>
                  <Alert kind="success" title="Added to the queue">
                    {describeLocalTime(localDateTime(new Date(queued.scheduled_at), queued.timezone))} ({queued.timezone}), {describeQueueSlot(queued)}.{' '}
                    <Link className="underline" to={`/posts/${queued.postId}`}>See the post</Link>
                  </Alert>
                </div>
              )}
            </Card>
          </form>
          <div className="min-w-0 space-y-6">
            <AiAssistant accounts={list} selected={selected} content={values.content ?? ''} onUseText={putAiText} onAddHashtags={addAiHashtags} />
            <EngagementPanel
              accounts={list}
              selected={selected}
              content={values.content ?? ''}
              hashtags={values.hashtags ?? ''}
              mediaKinds={(values.media ?? []).map((id) => assets[id]?.kind ?? 'image')}
              localTime={values.local_time ?? ''}
              timezone={user.timezone}
              onApplyTime={(local) => {
                clearErrors('local_time');
                setValue('local_time', local, { shouldDirty: true });
              }}
            />
            <section aria-label="Preview" className="space-y-3">
              <h2 className="text-lg font-semibold">Preview</h2>
              {!postId ? (
                <EmptyState title="The preview appears once the draft is saved">Write some text and pick at least one account.</EmptyState>
              ) : preview.isError ? (
                <ErrorState error={preview.error} onRetry={() => void preview.refetch()} />
              ) : !preview.data ? (
                <Loading label="Checking against each platform's rules…" />
              ) : (
                <>
                  {!preview.data.valid && <Alert kind="warning">Some accounts cannot take this post as it is: see below.</Alert>}
                  {previews.map((t) => (
                    <PlatformPreview key={t.target_id} preview={t} account={list.find((a) => a.id === t.social_account_id)} media={mediaAssets} />
                  ))}
                </>
              )}
            </section>
          </div>
        </div>
      )}
      {picker && (
        <MediaPicker
          selected={values.media ?? []}
          onAssets={addAssets}
          onClose={() => setPicker(false)}
          onToggle={(a) => {
            addAssets([a]);
            const media = getValues('media');
            setValue('media', media.includes(a.id) ? media.filter((m) => m !== a.id) : [...media, a.id], { shouldDirty: true });
          }}
        />
      )}
    </div>
  );
}
