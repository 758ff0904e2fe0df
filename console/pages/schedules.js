// Schedules: when each fires next and fired last, with the run it started.
import { apiList } from '../api.js';
import { formatTime, h, pager, table } from '../dom.js';

export async function schedulesView(query) {
  const pgNum = query.get('pgNum') ?? '0';
  const { list, items } = await apiList(`/schedules?pgSz=40&pgNum=${encodeURIComponent(pgNum)}`);
  return [
    h('h1', {}, 'Schedules'),
    table(['Job', 'When', 'Next firing', 'Last firing', 'Last run'], items, (schedule) => [
      h('a', { href: `#/definitions/${schedule.definitionCsid}` }, schedule.definitionName ?? schedule.definitionCsid),
      schedule.every === undefined ? `once at ${formatTime(schedule.at)}` : `${schedule.every} (${schedule.timezone ?? 'UTC'})`,
      formatTime(schedule.nextRunAt) || 'never',
      formatTime(schedule.lastRunAt) || 'not yet',
      schedule.lastRunId === undefined ? '' : h('a', { href: `#/runs/${schedule.lastRunId}` }, 'open'),
    ], 'No schedules in this tenant.'),
    pager(list, (page) => `#/schedules?pgNum=${page}`),
  ];
}
