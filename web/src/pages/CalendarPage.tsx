import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import FullCalendar from '@fullcalendar/react';
import dayGridPlugin from '@fullcalendar/daygrid';
import timeGridPlugin from '@fullcalendar/timegrid';
import interactionPlugin from '@fullcalendar/interaction';
import type { DatesSetArg, EventDropArg, EventClickArg } from '@fullcalendar/core';
import { api, idempotencyKey, unwrap } from '../api/client';
import { bannerMessage } from '../api/errors';
import { keys } from '../api/hooks';
import { useUser } from '../auth/AuthProvider';
import { can } from '../lib/roles';
import { dropToLocalTime, moveEntry, PLATFORM_LABEL, rangeForView, STATUS_LABEL, toEvents, type Calendar } from '../lib/calendar';
import { describeLocal, localDateTime } from '../lib/time';
import { Alert, ErrorState, PageHeader } from '../components/ui';

export default function CalendarPage() {
  const user = useUser();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [range, setRange] = useState<{ from: string; to: string } | null>(null);
  const [message, setMessage] = useState<{ kind: 'error' | 'success'; text: string } | null>(null);
  const tz = user.timezone;
  const mayEdit = can(user.role, 'create_content');

  const queryKey = range ? keys.calendar(range.from, range.to, tz) : ['calendar', 'none'];
  const calendar = useQuery({
    queryKey,
    enabled: !!range,
    placeholderData: (prev) => prev,
    queryFn: () => unwrap(api.GET('/api/posts/calendar', { params: { query: { from: range!.from, to: range!.to, timezone: tz } } })),
  });
  const events = useMemo(() => (calendar.data ? toEvents(calendar.data) : []), [calendar.data]);

  // FullCalendar's arrow icons are role="img" without a name; the buttons have titles already.
  const box = useRef<HTMLDivElement>(null);
  const hideIcons = useCallback(() => {
    box.current?.querySelectorAll('.fc-icon[role="img"]').forEach((el) => el.setAttribute('aria-hidden', 'true'));
  }, []);
  useEffect(hideIcons);

  const onDates = useCallback((arg: DatesSetArg) => {
    hideIcons();
    const next = rangeForView(arg.start, arg.end);
    setRange((r) => (r && r.from === next.from && r.to === next.to ? r : next));
  }, [hideIcons]);

  const onDrop = useCallback(
    async (info: EventDropArg) => {
      setMessage(null);
      const start = info.event.start;
      if (!start) return info.revert();
      const localTime = dropToLocalTime(start);
      const previous = queryClient.getQueryData<Calendar>(queryKey);
      if (previous) queryClient.setQueryData(queryKey, moveEntry(previous, info.event.id, localTime));
      try {
        await unwrap(
          api.POST('/api/posts/{id}/schedule', {
            params: { path: { id: info.event.id }, header: { 'Idempotency-Key': idempotencyKey() } },
            body: { local_time: localTime, timezone: tz },
          }),
        );
        setMessage({ kind: 'success', text: `Moved to ${describeLocal(localTime)} (${tz}).` });
        void queryClient.invalidateQueries({ queryKey: ['calendar'] });
        void queryClient.invalidateQueries({ queryKey: ['post', info.event.id] });
      } catch (e) {
        info.revert();
        if (previous) queryClient.setQueryData(queryKey, previous);
        setMessage({ kind: 'error', text: `The post stays where it was: ${bannerMessage(e) ?? 'the API refused the move.'}` });
      }
    },
    [queryClient, queryKey, tz],
  );

  const onClick = useCallback(
    (info: EventClickArg) => {
      info.jsEvent.preventDefault();
      const movable = info.event.startEditable !== false && info.event.extendedProps.status === 'scheduled';
      navigate(movable && mayEdit ? `/compose/${info.event.id}` : `/posts/${info.event.id}`);
    },
    [mayEdit, navigate],
  );

  return (
    <div>
      <PageHeader title="Calendar" />
      <p className="mb-3 text-sm text-slate-700">
        Times in {tz}. {mayEdit ? 'Drag a scheduled post to another day or time to move it; click one to edit it.' : 'Click a post to see it.'}
      </p>
      <ul className="mb-3 flex flex-wrap gap-2 text-xs" aria-label="Legend">
        {Object.entries(STATUS_LABEL).map(([status, label]) => (
          <li key={status} className={`fc-legend rounded px-2 py-0.5 legend-${status}`}>{label}</li>
        ))}
        {Object.entries(PLATFORM_LABEL).map(([p, label]) => (
          <li key={p} className={`rounded border-l-4 bg-white px-2 py-0.5 legend-platform-${p}`}>{label}</li>
        ))}
      </ul>
      {message && <div className="mb-3"><Alert kind={message.kind}>{message.text}</Alert></div>}
      {calendar.isError && <ErrorState error={calendar.error} onRetry={() => void calendar.refetch()} />}
      <div ref={box} className="rounded-lg border border-slate-200 bg-white p-2" data-testid="calendar" aria-busy={calendar.isFetching}>
        <FullCalendar
          plugins={[dayGridPlugin, timeGridPlugin, interactionPlugin]}
          initialView="dayGridMonth"
          timeZone="UTC"
          firstDay={1}
          headerToolbar={{ left: 'prev,next today', center: 'title', right: 'dayGridMonth,timeGridWeek' }}
          buttonText={{ today: 'Today', month: 'Month', week: 'Week' }}
          now={`${localDateTime(new Date(), tz)}:00Z`}
          events={events}
          editable={mayEdit}
          eventDurationEditable={false}
          eventTimeFormat={{ hour: '2-digit', minute: '2-digit', hour12: false }}
          dayMaxEvents={3}
          height="auto"
          datesSet={onDates}
          eventDrop={(info) => void onDrop(info)}
          eventClick={onClick}
        />
      </div>
    </div>
  );
}
