import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { isUnauthorized } from './api/client';
import { useClusterData } from './api/queries';
import type { ClusterOverview } from './api/types';
import { clearToken, loadToken, saveToken } from './auth/token-store';
import { LoginForm } from './components/LoginForm';
import { Dashboard } from './Dashboard';

/**
 * The token gate: the dashboard while the admin API accepts us (no ADMIN_TOKEN, or the
 * right token), the login form as soon as it answers 401.
 */
export function App() {
  const queryClient = useQueryClient();
  const [token, setToken] = useState<string | null>(() => loadToken());
  const data = useClusterData(token);
  const unauthorized = [data.overview, data.nodes, data.channels].some((query) => isUnauthorized(query.error));

  const login = useCallback(
    (accepted: string, overview: ClusterOverview) => {
      saveToken(accepted);
      queryClient.setQueryData(['overview', accepted], overview);
      setToken(accepted);
    },
    [queryClient],
  );

  const logout = useCallback(() => {
    clearToken();
    queryClient.removeQueries();
    setToken(null);
  }, [queryClient]);

  if (unauthorized) return <LoginForm reason={token ? 'expired' : 'required'} onLogin={login} />;
  return <Dashboard data={data} onLogout={token ? logout : undefined} />;
}
