/** The analytics API: types, query keys and calls, for the dashboard and the reports screen. */
import { api, unwrap, type Schemas } from './client';
import type { Interval, PeriodQuery, PostFilterQuery, PostSort } from '../lib/analytics';

export type Overview = Schemas['Overview'];
export type Figures = Schemas['Figures'];
export type Change = Schemas['Change'];
export type EngagementSeries = Schemas['EngagementSeries'];
export type EngagementBucket = Schemas['EngagementBucket'];
export type Growth = Schemas['Growth'];
export type AudienceView = Schemas['AudienceView'];
export type ActiveHour = Schemas['ActiveHour'];
export type PostRow = Schemas['PostRow'];
export type PostPage = Schemas['PostPage2'];
export type Report = Schemas['ReportView'];
export type ReportPage = Schemas['ReportPage'];
export type ReportBody = Schemas['ReportBody'];
export type CsvExport = Schemas['ExportView2'];

export const POSTS_PAGE_SIZE = 25;

export const analyticsKeys = {
  all: ['analytics'] as const,
  overview: (q: PeriodQuery) => ['analytics', 'overview', q] as const,
  engagement: (q: PostFilterQuery, interval: Interval) => ['analytics', 'engagement', q, interval] as const,
  growth: (q: PeriodQuery) => ['analytics', 'growth', q] as const,
  audience: (q: PeriodQuery) => ['analytics', 'audience', q] as const,
  posts: (q: PostFilterQuery, sort: PostSort, order: 'asc' | 'desc') => ['analytics', 'posts', q, sort, order] as const,
  reports: ['analytics', 'reports'] as const,
  report: (id: string) => ['analytics', 'report', id] as const,
};

export function getOverview(query: PeriodQuery): Promise<Overview> {
  return unwrap(api.GET('/api/analytics/overview', { params: { query } }));
}

export function getEngagement(query: PostFilterQuery, interval: Interval): Promise<EngagementSeries> {
  return unwrap(api.GET('/api/analytics/engagement', { params: { query: { ...query, interval } } }));
}

export function getGrowth(query: PeriodQuery): Promise<Growth> {
  return unwrap(api.GET('/api/analytics/growth', { params: { query } }));
}

export function getAudience(query: PeriodQuery): Promise<AudienceView> {
  return unwrap(api.GET('/api/analytics/audience', { params: { query } }));
}

export function getPosts(query: PostFilterQuery, sort: PostSort, order: 'asc' | 'desc', cursor: string | null): Promise<PostPage> {
  return unwrap(
    api.GET('/api/analytics/posts', {
      params: { query: { ...query, sort, order, limit: POSTS_PAGE_SIZE, ...(cursor ? { cursor } : {}) } },
    }),
  );
}

/** Writes the CSV of every matching post and returns a short-lived link to it. */
export function exportCsv(query: PostFilterQuery): Promise<CsvExport> {
  return unwrap(api.GET('/api/analytics/export', { params: { query } }));
}

export function generateReport(body: ReportBody): Promise<Report> {
  return unwrap(api.POST('/api/analytics/reports/generate', { body }));
}

export function listReports(cursor: string | null): Promise<ReportPage> {
  return unwrap(api.GET('/api/analytics/reports', { params: { query: { limit: 20, ...(cursor ? { cursor } : {}) } } }));
}

export function getReport(id: string): Promise<Report> {
  return unwrap(api.GET('/api/analytics/reports/{id}', { params: { path: { id } } }));
}
