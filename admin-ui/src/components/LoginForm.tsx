import { type FormEvent, useState } from 'react';
import { ApiError, describeError, getJson } from '../api/client';
import type { ClusterOverview } from '../api/types';

interface Props {
  /** Why the form shows: no token yet, or the stored one stopped working. */
  reason: 'required' | 'expired';
  onLogin: (token: string, overview: ClusterOverview) => void;
}

/** Shown when the admin API answers 401: checks the token against /api/overview before keeping it. */
export function LoginForm({ reason, onLogin }: Props) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const candidate = token.trim();
    if (!candidate) {
      setError('Enter the admin token.');
      return;
    }
    setChecking(true);
    setError(null);
    try {
      const overview = await getJson<ClusterOverview>('/api/overview', candidate);
      onLogin(candidate, overview);
    } catch (failure) {
      setError(
        failure instanceof ApiError && failure.status === 401
          ? 'That token was rejected. Check ADMIN_TOKEN on the nodes.'
          : `Could not check the token: ${describeError(failure)}`,
      );
      setChecking(false);
    }
  };

  return (
    <main className="login">
      <form className="login-card panel" onSubmit={submit} data-testid="login-form" noValidate>
        <div className="brand brand-large">
          <img src={`${import.meta.env.BASE_URL}favicon.svg`} alt="" width={28} height={28} />
          <span>Switchboard</span>
        </div>
        <h1 className="login-title">Cluster admin</h1>
        <p className="muted">
          {reason === 'expired'
            ? 'Your session token is no longer accepted. Enter the current admin token.'
            : 'This cluster’s admin API is protected. Enter the admin token (ADMIN_TOKEN) to continue.'}
        </p>
        <label className="field">
          <span>Admin token</span>
          <input
            className="input"
            type="password"
            name="token"
            autoComplete="current-password"
            autoFocus
            data-testid="login-token"
            value={token}
            onChange={(event) => setToken(event.target.value)}
            aria-invalid={error !== null}
            aria-describedby={error ? 'login-error' : undefined}
          />
        </label>
        {error && (
          <p className="login-error" role="alert" id="login-error" data-testid="login-error">
            {error}
          </p>
        )}
        <button className="button button-primary" type="submit" disabled={checking} data-testid="login-submit">
          {checking ? 'Checking…' : 'Sign in'}
        </button>
        <p className="muted small">The token is kept for this browser tab only and sent only to this node’s admin API.</p>
      </form>
    </main>
  );
}
