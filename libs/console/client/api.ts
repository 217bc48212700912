import type { Session } from './session.js';

/** A problem+json answer, with the stable `code` the API gives every error. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The problem's `errors`: each field refused and why (a mapping's paths, a payload's values). */
    readonly errors: { field: string; reason: string; path?: string }[] = [],
  ) {
    super(message);
  }
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The console's only way to the API: same origin, the session's key as the bearer. */
export class Api {
  constructor(private readonly key: string) {}

  static of(session: Session): Api {
    return new Api(session.key);
  }

  get<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T> {
    return this.request<T>('GET', withQuery(path, query));
  }

  /** A non-JSON answer (CSV, NDJSON) as text; errors are still problem+json. */
  async text(path: string, query: Record<string, string | undefined> = {}): Promise<string> {
    return this.request<string>('GET', withQuery(path, query), undefined, 'text');
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  async request<T>(method: string, path: string, body?: unknown, as: 'json' | 'text' = 'json'): Promise<T> {
    const response = await fetch(path, {
      method,
      headers: { authorization: `Bearer ${this.key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.ok && as === 'text') return text as T;
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    if (!response.ok) {
      const problem = (data ?? {}) as { code?: string; title?: string; detail?: string; errors?: { field: string; reason: string; path?: string; message?: string }[] };
      const fields = problem.errors?.map((e) => e.message).filter(Boolean) ?? [];
      const message = fields.length ? fields.join('; ') : (problem.detail ?? problem.title ?? `HTTP ${response.status}`);
      throw new ApiError(response.status, problem.code ?? 'error', message, problem.errors ?? []);
    }
    return data as T;
  }
}

function withQuery(path: string, query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, value);
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

/** The later of two positions (decimal strings), for `minPosition` after several commands. */
export function laterPosition(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return BigInt(a) >= BigInt(b) ? a : b;
}
