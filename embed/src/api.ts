// Every request the embed makes goes through here, to Porch's origin and nowhere else.
import type { Config } from './config'
import { session } from './store'

export class ApiError extends Error {
  status: number
  fields: Record<string, string> = {}

  constructor(status: number, problem: { detail?: string; errors?: { field: string; message: string }[] } | null) {
    super((problem && problem.detail) || 'HTTP ' + status)
    this.status = status
    for (const e of (problem && problem.errors) || []) this.fields[e.field] = e.message
  }
}

/**
 * Call the JSON API. Reads go without credentials so they stay "simple" CORS requests (no
 * preflight: the thread is one request); writes carry the bearer session when there is one.
 */
export async function api<T>(cfg: Config, method: string, path: string, body?: unknown,
                             headers: Record<string, string> = {}): Promise<T> {
  const s = session()
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json'
    if (s) headers.Authorization = 'Bearer ' + s.token
  }
  const response = await fetch(cfg.base + '/api/v1/' + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
    mode: 'cors',
  })
  if (response.status === 204) return null as T
  const data = await response.json().catch(() => null)
  if (!response.ok) throw new ApiError(response.status, data)
  return data as T
}

export const query = (params: Record<string, string>): string => new URLSearchParams(params).toString()
