// The admin token lives in sessionStorage: it survives reloads of this tab and is
// gone when the tab closes. It is only ever sent to this origin's /api.
const KEY = 'switchboard.adminToken';

export function loadToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function saveToken(token: string): void {
  try {
    sessionStorage.setItem(KEY, token);
  } catch {
    // storage disabled: the token lasts until the page reloads
  }
}

export function clearToken(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // nothing stored
  }
}
