import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useForm } from 'react-hook-form';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { aiKeys, configureAgent, getUsage, listAgents, type AgentView, type AiUsage } from '../api/ai';
import { useUser } from '../auth/AuthProvider';
import { applyApiError } from '../lib/forms';
import { formatCost, formatDate, settingsBody, settingsToForm, SETTINGS_ALIASES, taskLabel, usagePercent, type SettingsForm } from '../lib/ai';
import { can } from '../lib/roles';
import { formatInstant, relativeTime } from '../lib/time';
import { AiTabs, ModelName } from '../components/ai';
import { Alert, Button, Card, cx, ErrorState, Field, Input, Loading, PageHeader, ProgressBar, Textarea } from '../components/ui';

export default function AiAgents() {
  const user = useUser();
  const agents = useQuery({ queryKey: aiKeys.agents, queryFn: listAgents });
  const mayConfigure = can(user.role, 'configure_agents');
  return (
    <div>
      <PageHeader title="AI agents" />
      <AiTabs />
      <div className="space-y-4">
        <UsageCard />
        {!can(user.role, 'create_content') && (
          <Alert kind="info">Your role ({user.role}) can see the agents but not run them. Ask an admin for the user role.</Alert>
        )}
        {agents.isPending ? (
          <Loading />
        ) : agents.isError ? (
          <ErrorState error={agents.error} onRetry={() => void agents.refetch()} />
        ) : (
          <>
            <div className="grid gap-4 *:min-w-0 lg:grid-cols-2" data-testid="agent-list">
              {agents.data
                .filter((a) => a.available)
                .map((agent) => (
                  <AgentCard key={agent.agent_type} agent={agent} mayConfigure={mayConfigure} timezone={user.timezone} />
                ))}
            </div>
            {agents.data.some((a) => !a.available) && (
              <Card title="In a later release">
                <ul className="grid gap-3 sm:grid-cols-2" aria-label="Agents in a later release">
                  {agents.data
                    .filter((a) => !a.available)
                    .map((a) => (
                      <li key={a.agent_type} className="text-sm" data-agent={a.agent_type} data-available="false">
                        <p className="font-medium text-slate-900">{a.name}</p>
                        <p className="text-slate-700">{a.description}</p>
                      </li>
                    ))}
                </ul>
              </Card>
            )}
          </>
        )}
      </div>
    </div>
  );
}

function UsageCard() {
  const usage = useQuery({ queryKey: aiKeys.usage, queryFn: getUsage });
  return (
    <Card title="This month's AI spending">
      {usage.isPending ? <Loading /> : usage.isError ? <ErrorState error={usage.error} onRetry={() => void usage.refetch()} /> : <UsageBar usage={usage.data} />}
    </Card>
  );
}

export function UsageBar({ usage }: { usage: AiUsage }) {
  const pct = usagePercent(usage.spent_usd, usage.budget_usd);
  const spent = usage.spent_usd >= usage.budget_usd;
  return (
    <div className="space-y-2" data-testid="ai-usage">
      <p className="text-sm text-slate-800">
        <span className="text-lg font-semibold text-slate-900" data-testid="usage-spent">
          {formatCost(usage.spent_usd)}
        </span>{' '}
        of <span data-testid="usage-budget">{formatCost(usage.budget_usd)}</span> spent ({pct}%)
      </p>
      <ProgressBar value={pct} max={100} label="AI budget used this month" />
      <p className="text-xs text-slate-600">
        Since {formatDate(usage.month_started)}; the budget renews on {formatDate(usage.renews_on)}. Your plan sets the budget.
      </p>
      {spent && <Alert kind="warning">The month's budget is spent: the agents take no new task until {formatDate(usage.renews_on)}.</Alert>}
    </div>
  );
}

function AgentCard({ agent, mayConfigure, timezone }: { agent: AgentView; mayConfigure: boolean; timezone: string }) {
  const [editing, setEditing] = useState(false);
  const finished = agent.tasks_completed + agent.tasks_failed;
  const s = agent.settings;
  return (
    <section className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm" aria-labelledby={`agent-${agent.agent_type}`} data-agent={agent.agent_type}>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <h2 id={`agent-${agent.agent_type}`} className="text-lg font-semibold text-slate-900">
          {agent.name}
        </h2>
        <div className="flex flex-wrap gap-1">
          {!agent.available ? (
            <span className="rounded-full bg-slate-200 px-2 py-0.5 text-xs font-medium text-slate-800">Later release</span>
          ) : (
            <span
              className={cx('rounded-full px-2 py-0.5 text-xs font-medium', agent.is_active ? 'bg-emerald-100 text-emerald-900' : 'bg-slate-200 text-slate-800')}
              data-testid="agent-active"
            >
              {agent.is_active ? 'On' : 'Off'}
            </span>
          )}
        </div>
      </div>
      <p className="mt-1 text-sm text-slate-700">{agent.description}</p>
      {agent.available && (
        <>
          <dl className="mt-3 grid grid-cols-3 gap-2 text-center" data-testid="agent-counters">
            <div className="rounded bg-slate-50 p-2">
              <dt className="text-xs text-slate-600">Completed</dt>
              <dd className="text-lg font-semibold text-slate-900" data-testid="agent-completed">
                {agent.tasks_completed}
              </dd>
            </div>
            <div className="rounded bg-slate-50 p-2">
              <dt className="text-xs text-slate-600">Failed</dt>
              <dd className="text-lg font-semibold text-slate-900">{agent.tasks_failed}</dd>
            </div>
            <div className="rounded bg-slate-50 p-2">
              <dt className="text-xs text-slate-600">Success rate</dt>
              <dd className="text-lg font-semibold text-slate-900" data-testid="agent-success-rate">
                {finished ? `${Math.round(agent.success_rate * 10) / 10}%` : '—'}
              </dd>
            </div>
          </dl>
          <dl className="mt-3 space-y-1 text-sm">
            <div className="flex flex-wrap items-center gap-1">
              <dt className="font-medium">Model:</dt>
              <dd>
                <ModelName model={agent.model} />
              </dd>
            </div>
            <div>
              <dt className="inline font-medium">Last run: </dt>
              <dd className="inline" title={agent.last_execution ? formatInstant(agent.last_execution, timezone) : undefined}>
                {agent.last_execution ? relativeTime(agent.last_execution) : 'never'}
              </dd>
            </div>
            <div>
              <dt className="inline font-medium">Does: </dt>
              <dd className="inline">{agent.tasks.map(taskLabel).join(', ')}</dd>
            </div>
            {!editing && (
              <>
                <div>
                  <dt className="inline font-medium">Tone: </dt>
                  <dd className="inline">{s.tone ?? 'default'}</dd>
                </div>
                <div>
                  <dt className="inline font-medium">Language: </dt>
                  <dd className="inline">{s.language ?? 'default (English)'}</dd>
                </div>
                {s.brand_voice && (
                  <div>
                    <dt className="inline font-medium">Brand voice: </dt>
                    <dd className="inline whitespace-pre-wrap">{s.brand_voice}</dd>
                  </div>
                )}
              </>
            )}
          </dl>
          <div className="mt-3 flex flex-wrap gap-3 text-sm">
            <Link className="text-indigo-800 underline" to={`/ai/tasks?agent=${agent.agent_type}`}>
              Its tasks<span className="sr-only"> ({agent.name})</span>
            </Link>
          </div>
          {mayConfigure &&
            (editing ? (
              <SettingsEditor agent={agent} onDone={() => setEditing(false)} />
            ) : (
              <Button variant="secondary" className="mt-3" onClick={() => setEditing(true)} aria-label={`Edit the settings of the ${agent.name}`}>
                Edit settings
              </Button>
            ))}
        </>
      )}
    </section>
  );
}

const FIELDS = ['model', 'tone', 'brand_voice', 'language', 'is_active'] as const;

function SettingsEditor({ agent, onDone }: { agent: AgentView; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [banner, setBanner] = useState<string | null>(null);
  const form = useForm<SettingsForm>({ defaultValues: settingsToForm(agent.settings, agent.is_active) });
  const { errors } = form.formState;
  const onSubmit = form.handleSubmit(async (values) => {
    setBanner(null);
    try {
      const updated = await configureAgent(agent.agent_type, settingsBody(values));
      queryClient.setQueryData<AgentView[]>(aiKeys.agents, (list) => list?.map((a) => (a.agent_type === updated.agent_type ? updated : a)));
      onDone();
    } catch (e) {
      setBanner(applyApiError(e, form.setError, [...FIELDS], SETTINGS_ALIASES));
    }
  });
  return (
    <form onSubmit={onSubmit} noValidate className="mt-4 space-y-3 border-t border-slate-200 pt-4" aria-label={`Settings of the ${agent.name}`}>
      {banner && <Alert>{banner}</Alert>}
      <Field label="Model" hint={`The provider's model id. Blank: the default (${agent.model}).`} error={errors.model?.message}>
        {(p) => <Input {...p} placeholder={agent.model} {...form.register('model')} />}
      </Field>
      <Field label="Tone" hint="e.g. warm, playful, authoritative." error={errors.tone?.message}>
        {(p) => <Input {...p} {...form.register('tone')} />}
      </Field>
      <Field label="Brand voice" hint="How the brand speaks, in a few sentences; given to the agent with every task." error={errors.brand_voice?.message}>
        {(p) => <Textarea {...p} rows={3} {...form.register('brand_voice')} />}
      </Field>
      <Field label="Language" hint="A language tag such as en, fr or pt-BR. Blank: English." error={errors.language?.message}>
        {(p) => <Input {...p} {...form.register('language')} />}
      </Field>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" className="h-4 w-4" {...form.register('is_active')} /> Switched on (off: it refuses new tasks)
      </label>
      {errors.is_active && <p className="text-sm text-red-700" data-field-error>{errors.is_active.message}</p>}
      <div className="flex flex-wrap gap-2">
        <Button type="submit" busy={form.formState.isSubmitting}>
          Save settings
        </Button>
        <Button variant="ghost" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
