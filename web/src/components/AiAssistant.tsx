/**
 * The composer's AI assistant: write a version per platform from a brief, improve the text for
 * a goal, suggest hashtags with their evidence. Each call asks the API to wait for the result
 * (`Prefer: wait=20`); when it answers 202 the task is followed (live events, a poll as the
 * fallback) until it finishes.
 */
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useForm, type Path } from 'react-hook-form';
import { generateContent, improveContent, suggestHashtags, type ImproveGoal } from '../api/ai';
import type { Schemas } from '../api/client';
import { bannerMessage } from '../api/errors';
import { applyApiError } from '../lib/forms';
import { buildBrief, IMPROVE_GOAL_LABEL, platformsOf, readGenerated, readHashtagAdvice, readImproved, type BriefForm } from '../lib/ai';
import { PLATFORM_LABEL, type Platform } from '../lib/calendar';
import { GoalOptions, HashtagAdviceView, ImprovedView, TaskResult, useTaskRun, VariantPreview } from './ai';
import { Alert, Button, Card, cx, Field, Input, PlatformBadge, Select, Textarea } from './ui';

type Account = Schemas['AccountView'];
type Mode = 'generate' | 'improve' | 'hashtags';

const MODES: { mode: Mode; label: string }[] = [
  { mode: 'generate', label: 'Write from a brief' },
  { mode: 'improve', label: 'Improve the text' },
  { mode: 'hashtags', label: 'Hashtags' },
];

export interface AiAssistantProps {
  accounts: Account[];
  /** The composer's chosen accounts (their platforms are what the assistant writes for). */
  selected: string[];
  /** The composer's text. */
  content: string;
  /** Puts a text in the composer: as the post's text, or as the text of one platform's accounts. */
  onUseText: (text: string, platform?: Platform) => void;
  onAddHashtags: (tags: string[]) => void;
}

export function AiAssistant(props: AiAssistantProps) {
  const [mode, setMode] = useState<Mode>('generate');
  const platforms = platformsOf(props.selected, props.accounts);
  return (
    <Card title="AI assistant">
      <div role="group" aria-label="What the assistant does" className="mb-4 flex flex-wrap gap-1 rounded-md bg-slate-100 p-1">
        {MODES.map((m) => (
          <button
            key={m.mode}
            type="button"
            aria-pressed={mode === m.mode}
            onClick={() => setMode(m.mode)}
            className={cx(
              'rounded px-3 py-1.5 text-sm font-medium focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500',
              mode === m.mode ? 'bg-white text-indigo-900 shadow-sm' : 'text-slate-700 hover:text-slate-900',
            )}
          >
            {m.label}
          </button>
        ))}
      </div>
      {platforms.length === 0 ? (
        <p className="mb-3 text-sm text-slate-700">Pick the accounts to post to first: the assistant writes for their platforms.</p>
      ) : (
        <p className="mb-3 flex flex-wrap items-center gap-1 text-sm text-slate-700" data-testid="assistant-platforms">
          For {platforms.map((p) => <PlatformBadge key={p} platform={p} />)}
        </p>
      )}
      {/* All three stay mounted, so switching keeps each one's result. */}
      <div hidden={mode !== 'generate'} data-panel="generate">
        <GeneratePanel {...props} platforms={platforms} />
      </div>
      <div hidden={mode !== 'improve'} data-panel="improve">
        <ImprovePanel {...props} platforms={platforms} />
      </div>
      <div hidden={mode !== 'hashtags'} data-panel="hashtags">
        <HashtagPanel {...props} platforms={platforms} />
      </div>
    </Card>
  );
}

type PanelProps = AiAssistantProps & { platforms: Platform[] };

/** Where each panel shows its task's result (with the accept/reject buttons). */
const RESULT = { testId: 'assistant-result', className: 'mt-4 space-y-3 border-t border-slate-200 pt-4', feedback: true } as const;

const BRIEF_FIELDS: Path<BriefForm>[] = ['topic', 'goal', 'tone', 'audience', 'link'];

function GeneratePanel({ accounts, selected, platforms, onUseText }: PanelProps) {
  const form = useForm<BriefForm>({ defaultValues: { topic: '', goal: '', tone: '', audience: '', link: '' } });
  const errors = form.formState.errors;
  const call = useTaskRun();
  const [used, setUsed] = useState<string | null>(null);
  const submit = form.handleSubmit((values) => {
    setUsed(null);
    if (!values.topic.trim()) {
      form.setError('topic', { type: 'required', message: 'Say what the post is about' });
      return;
    }
    return call.run(
      () => generateContent(buildBrief(values, platforms)),
      (e) => applyApiError(e, form.setError, BRIEF_FIELDS),
    );
  });
  const accountOn = (p: Platform) => accounts.find((a) => a.platform === p && selected.includes(a.id));
  const several = platforms.length > 1;
  return (
    <div className="space-y-3">
      {/* Not a <form>: the assistant sits beside the composer's own form. */}
      <div className="space-y-3" role="group" aria-label="Brief">
        <Field label="Topic" error={errors.topic?.message} hint="What the post is about, in a sentence or two.">
          {(p) => <Textarea {...p} rows={2} {...form.register('topic')} />}
        </Field>
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="Goal" error={errors.goal?.message}>
            {(p) => (
              <Select {...p} {...form.register('goal')}>
                <GoalOptions />
              </Select>
            )}
          </Field>
          <Field label="Tone" error={errors.tone?.message} hint="Optional: the agent's tone otherwise.">
            {(p) => <Input {...p} placeholder="warm, playful…" {...form.register('tone')} />}
          </Field>
        </div>
        <Field label="Audience (optional)" error={errors.audience?.message}>
          {(p) => <Input {...p} {...form.register('audience')} />}
        </Field>
        <Field label="Link (optional)" error={errors.link?.message}>
          {(p) => <Input {...p} type="url" placeholder="https://" {...form.register('link')} />}
        </Field>
        {call.problem}
        <Button busy={call.sending} disabled={platforms.length === 0} onClick={() => void submit()}>
          Generate
        </Button>
      </div>
      <TaskResult taskId={call.taskId} {...RESULT}>
        {(task) => {
          const generated = readGenerated(task.output);
          if (!generated) return <Alert kind="warning">The result cannot be shown here; see its details.</Alert>;
          return (
            <div className="space-y-3">
              {used && (
                <Alert kind="success">
                  {used} The preview checks it again against each platform's rules.
                </Alert>
              )}
              {generated.variants.map((v) => {
                const label = PLATFORM_LABEL[v.platform];
                const use = (platform?: Platform) => {
                  onUseText(v.text, platform);
                  setUsed(platform ? `The ${label} version is now the text for your ${label} accounts.` : `The ${label} version is now the post's text.`);
                };
                return (
                  <VariantPreview key={v.platform} variant={v} account={accountOn(v.platform)}>
                    <Button variant="secondary" className="px-2 py-1 text-xs" onClick={() => use()}>
                      {several ? 'Use as the main text' : 'Use as the post text'}
                    </Button>
                    {several && platforms.includes(v.platform) && (
                      <Button variant="secondary" className="px-2 py-1 text-xs" onClick={() => use(v.platform)}>
                        Use for {label} only
                      </Button>
                    )}
                  </VariantPreview>
                );
              })}
              {generated.rationale && (
                <p className="text-sm text-slate-700">
                  <span className="font-medium">Why these should work: </span>
                  {generated.rationale}
                </p>
              )}
              {generated.memories_used.length > 0 && (
                <p className="text-xs text-slate-600">
                  Written with {generated.memories_used.length} of the agents' <Link className="underline" to="/ai/memory">memories</Link>.
                </p>
              )}
            </div>
          );
        }}
      </TaskResult>
    </div>
  );
}

interface ImproveForm {
  goal: ImproveGoal;
  tone: string;
  platform: Platform | '';
}

function ImprovePanel({ content, platforms, onUseText }: PanelProps) {
  const form = useForm<ImproveForm>({ defaultValues: { goal: 'clearer', tone: '', platform: '' } });
  const errors = form.formState.errors;
  const goal = form.watch('goal');
  const call = useTaskRun();
  const [used, setUsed] = useState(false);
  const empty = !content.trim();
  const submit = form.handleSubmit((values) => {
    setUsed(false);
    if (values.goal === 'tone' && !values.tone.trim()) {
      form.setError('tone', { type: 'required', message: 'Say which tone' });
      return;
    }
    const platform = values.platform || (platforms.length === 1 ? platforms[0]! : null);
    return call.run(
      () => improveContent({ text: content, goal: values.goal, tone: values.goal === 'tone' ? values.tone.trim() : null, platform }),
      (e) => applyApiError(e, form.setError, ['goal', 'tone', 'platform']),
    );
  });
  return (
    <div className="space-y-3">
      <div className="space-y-3" role="group" aria-label="Improve">
        <p className="text-sm text-slate-700">{empty ? 'Write some text in the composer first: the assistant rewrites it.' : 'Rewrites the composer’s text, and says what changed and why.'}</p>
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="Goal" error={errors.goal?.message}>
            {(p) => (
              <Select {...p} {...form.register('goal')}>
                {(Object.keys(IMPROVE_GOAL_LABEL) as ImproveGoal[]).map((g) => (
                  <option key={g} value={g}>
                    {IMPROVE_GOAL_LABEL[g]}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          {platforms.length > 1 && (
            <Field label="Check against" error={errors.platform?.message}>
              {(p) => (
                <Select {...p} {...form.register('platform')}>
                  <option value="">No platform</option>
                  {platforms.map((pl) => (
                    <option key={pl} value={pl}>
                      {PLATFORM_LABEL[pl]}
                    </option>
                  ))}
                </Select>
              )}
            </Field>
          )}
        </div>
        {goal === 'tone' && (
          <Field label="Tone" error={errors.tone?.message}>
            {(p) => <Input {...p} placeholder="warm, playful, authoritative…" {...form.register('tone')} />}
          </Field>
        )}
        {call.problem}
        <Button busy={call.sending} disabled={empty} onClick={() => void submit()}>
          Improve
        </Button>
      </div>
      <TaskResult taskId={call.taskId} {...RESULT}>
        {(task) => {
          const improved = readImproved(task.output);
          if (!improved) return <Alert kind="warning">The result cannot be shown here; see its details.</Alert>;
          return (
            <>
              {used && <Alert kind="success">The new text is in the composer. The preview checks it again against each platform's rules.</Alert>}
              <ImprovedView improved={improved}>
                <Button
                  variant="secondary"
                  onClick={() => {
                    onUseText(improved.text);
                    setUsed(true);
                  }}
                >
                  Use this text
                </Button>
              </ImprovedView>
            </>
          );
        }}
      </TaskResult>
    </div>
  );
}

function HashtagPanel({ content, platforms, onAddHashtags }: PanelProps) {
  const call = useTaskRun();
  const [added, setAdded] = useState<string[]>([]);
  const empty = !content.trim();
  const run = () => {
    setAdded([]);
    return call.run(
      () => suggestHashtags({ text: content, platforms }),
      (e) => bannerMessage(e),
    );
  };
  return (
    <div className="space-y-3">
      <p className="text-sm text-slate-700">
        {empty ? 'Write some text in the composer first: the suggestions are for it.' : 'Ranked from your own posts’ engagement, related posts and the model’s ideas, each with its evidence.'}
      </p>
      {call.problem}
      <Button busy={call.sending} disabled={empty || platforms.length === 0} onClick={() => void run()}>
        Suggest hashtags
      </Button>
      <TaskResult taskId={call.taskId} {...RESULT}>
        {(task) => {
          const advice = readHashtagAdvice(task.output);
          if (!advice) return <Alert kind="warning">The result cannot be shown here; see its details.</Alert>;
          return (
            <>
              {added.length > 0 && <Alert kind="success">Added to the hashtags: {added.join(' ')}</Alert>}
              <HashtagAdviceView
                advice={advice}
                onAdd={(tags) => {
                  onAddHashtags(tags);
                  setAdded((a) => [...new Set([...a, ...tags])]);
                }}
              />
            </>
          );
        }}
      </TaskResult>
    </div>
  );
}
