// The browser's memory for the embed: the host page's localStorage, under "porch:" keys.
//
// Privacy rule: only a reader's own writes (posting, voting, signing in) ever call save();
// reading a conversation stores nothing. Storage can be disabled or full: then we forget.
import type { Session } from './types'

const PREFIX = 'porch:'
// Parsed values, so rendering a thousand comments reads each key once, not thousands of times.
const cache = new Map<string, unknown>()

export function load<T>(key: string): T | null {
  if (!cache.has(key)) {
    let value: unknown = null
    try {
      const raw = localStorage.getItem(PREFIX + key)
      value = raw ? JSON.parse(raw) : null
    } catch {
      // Storage disabled, or not our JSON: nothing remembered.
    }
    cache.set(key, value)
  }
  return cache.get(key) as T | null
}

export function save(key: string, value: unknown): void {
  cache.set(key, value)
  try {
    if (value == null) localStorage.removeItem(PREFIX + key)
    else localStorage.setItem(PREFIX + key, JSON.stringify(value))
  } catch {
    // Private mode or a full quota: the feature degrades to "not remembered".
  }
}

/** The per-browser token that lets an anonymous reader vote once and be recognised; made on first write. */
export function browserToken(): string {
  let token = load<string>('browser')
  if (!token) {
    const bytes = crypto.getRandomValues(new Uint8Array(24))
    token = btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
    save('browser', token)
  }
  return token
}

export const session = (): Session | null => load<Session>('session')

type EditTokens = Record<string, [token: string, until: number]>

export function editToken(id: number): string | null {
  const entry = (load<EditTokens>('edits') || {})[id]
  return entry && entry[1] > Date.now() ? entry[0] : null
}

export function rememberEditToken(id: number, token: string, until: number): void {
  const all = { ...load<EditTokens>('edits') }
  const now = Date.now()
  for (const key of Object.keys(all)) if (all[key][1] < now) delete all[key]
  all[id] = [token, until]
  save('edits', all)
}

export const myVotes = (): Record<string, number> => load<Record<string, number>>('votes') || {}

export function rememberVote(id: number, value: number): void {
  const votes = { ...myVotes() }
  if (value) votes[id] = value
  else delete votes[id]
  save('votes', votes)
}
