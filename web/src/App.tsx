import { lazy, Suspense } from 'react';
import { BrowserRouter, Navigate, Outlet, Route, Routes, useLocation } from 'react-router-dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { AuthProvider, useAuth } from './auth/AuthProvider';
import { ApiError } from './api/errors';
import { Loading } from './components/ui';
import { Layout } from './components/Layout';
import { LiveProvider } from './live/LiveProvider';

const SignIn = lazy(() => import('./pages/auth/SignIn'));
const SignUp = lazy(() => import('./pages/auth/SignUp'));
const VerifyEmail = lazy(() => import('./pages/auth/VerifyEmail'));
const ForgotPassword = lazy(() => import('./pages/auth/ForgotPassword'));
const ResetPassword = lazy(() => import('./pages/auth/ResetPassword'));
const AcceptInvite = lazy(() => import('./pages/auth/AcceptInvite'));
const Dashboard = lazy(() => import('./pages/Dashboard'));
const Composer = lazy(() => import('./pages/Composer'));
const BulkImport = lazy(() => import('./pages/BulkImport'));
const CalendarPage = lazy(() => import('./pages/CalendarPage'));
const PostsList = lazy(() => import('./pages/PostsList'));
const PostDetail = lazy(() => import('./pages/PostDetail'));
const SocialAccounts = lazy(() => import('./pages/SocialAccounts'));
const SocialCallback = lazy(() => import('./pages/SocialCallback'));
const MediaLibrary = lazy(() => import('./pages/MediaLibrary'));
const Organization = lazy(() => import('./pages/Organization'));
const Profile = lazy(() => import('./pages/Profile'));
const Analytics = lazy(() => import('./pages/Analytics'));
const AnalyticsReports = lazy(() => import('./pages/AnalyticsReports'));
const NotificationSettings = lazy(() => import('./pages/NotificationSettings'));
const Unsubscribe = lazy(() => import('./pages/Unsubscribe'));
const AiAgents = lazy(() => import('./pages/AiAgents'));
const AiTasks = lazy(() => import('./pages/AiTasks'));
const AiTaskDetail = lazy(() => import('./pages/AiTaskDetail'));
const AiMemory = lazy(() => import('./pages/AiMemory'));
const AiWorkflows = lazy(() => import('./pages/AiWorkflows'));
const AiWorkflowDetail = lazy(() => import('./pages/AiWorkflowDetail'));
const InsightsBestTimes = lazy(() => import('./pages/InsightsBestTimes'));
const InsightsTrends = lazy(() => import('./pages/InsightsTrends'));
const InsightsCompetitors = lazy(() => import('./pages/InsightsCompetitors'));
const InsightsPerformance = lazy(() => import('./pages/InsightsPerformance'));
const InsightsCrisis = lazy(() => import('./pages/InsightsCrisis'));
const Billing = lazy(() => import('./pages/Billing'));
const Admin = lazy(() => import('./pages/Admin'));
const Integrations = lazy(() => import('./pages/Integrations'));

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      retry: (count, error) =>
        count < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
      refetchOnWindowFocus: false,
    },
  },
});

function RequireAuth() {
  const { status } = useAuth();
  const location = useLocation();
  if (status === 'restoring') return <Loading label="Signing you in…" />;
  if (status === 'signedOut') {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/signin?next=${encodeURIComponent(next)}`} replace />;
  }
  // The live feed runs while signed in: signing out unmounts it, which closes the socket.
  return (
    <LiveProvider>
      <Outlet />
    </LiveProvider>
  );
}

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <BrowserRouter future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
        <AuthProvider>
          <Suspense fallback={<Loading />}>
            <Routes>
              <Route path="/signin" element={<SignIn />} />
              <Route path="/signup" element={<SignUp />} />
              <Route path="/verify-email" element={<VerifyEmail />} />
              <Route path="/forgot-password" element={<ForgotPassword />} />
              <Route path="/reset-password" element={<ResetPassword />} />
              <Route path="/accept-invite" element={<AcceptInvite />} />
              <Route path="/social-accounts/callback" element={<SocialCallback />} />
              <Route path="/unsubscribe" element={<Unsubscribe />} />
              <Route element={<RequireAuth />}>
                <Route element={<Layout />}>
                  <Route index element={<Dashboard />} />
                  <Route path="/compose" element={<Composer />} />
                  <Route path="/compose/bulk" element={<BulkImport />} />
                  <Route path="/compose/:id" element={<Composer />} />
                  <Route path="/calendar" element={<CalendarPage />} />
                  <Route path="/posts" element={<PostsList />} />
                  <Route path="/posts/:id" element={<PostDetail />} />
                  <Route path="/analytics" element={<Analytics />} />
                  <Route path="/analytics/reports" element={<AnalyticsReports />} />
                  <Route path="/ai" element={<AiAgents />} />
                  <Route path="/ai/tasks" element={<AiTasks />} />
                  <Route path="/ai/tasks/:id" element={<AiTaskDetail />} />
                  <Route path="/ai/memory" element={<AiMemory />} />
                  <Route path="/ai/workflows" element={<AiWorkflows />} />
                  <Route path="/ai/workflows/:id" element={<AiWorkflowDetail />} />
                  <Route path="/insights" element={<Navigate to="/insights/best-times" replace />} />
                  <Route path="/insights/best-times" element={<InsightsBestTimes />} />
                  <Route path="/insights/trends" element={<InsightsTrends />} />
                  <Route path="/insights/competitors" element={<InsightsCompetitors />} />
                  <Route path="/insights/performance" element={<InsightsPerformance />} />
                  <Route path="/insights/crisis" element={<InsightsCrisis />} />
                  <Route path="/social-accounts" element={<SocialAccounts />} />
                  <Route path="/media" element={<MediaLibrary />} />
                  <Route path="/organization" element={<Organization />} />
                  <Route path="/profile" element={<Profile />} />
                  <Route path="/settings/notifications" element={<NotificationSettings />} />
                  <Route path="/settings/billing" element={<Billing />} />
                  <Route path="/settings/integrations" element={<Integrations />} />
                  <Route path="/admin/*" element={<Admin />} />
                  <Route path="*" element={<Navigate to="/" replace />} />
                </Route>
              </Route>
            </Routes>
          </Suspense>
        </AuthProvider>
      </BrowserRouter>
    </QueryClientProvider>
  );
}
