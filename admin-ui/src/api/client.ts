/** An HTTP answer other than 2xx (status 0: the node could not be reached at all). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const isUnauthorized = (error: unknown): boolean => error instanceof ApiError && error.status === 401;

/**
 * GET a JSON document of the admin API from the origin that served the dashboard,
 * with the admin token when there is one.
 */
export async function getJson<T>(path: string, token: string | null, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(path, { headers, signal, cache: 'no-store', credentials: 'omit' });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError(0, `the node did not answer (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!response.ok) {
    let body: { message?: unknown; code?: unknown } | undefined;
    try {
      body = (await response.json()) as typeof body;
    } catch {
      body = undefined;
    }
    const message = typeof body?.message === 'string' ? body.message : `HTTP ${response.status} ${response.statusText}`.trim();
    throw new ApiError(response.status, message, typeof body?.code === 'string' ? body.code : undefined);
  }
  return (await response.json()) as T;
}

/** A short sentence for an error banner. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.status === 0 ? error.message : `HTTP ${error.status}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
