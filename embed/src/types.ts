// The JSON shapes of Porch's API (src/porch/web/api/schemas.py), as far as the embed reads them.

export type Sort = 'oldest' | 'newest' | 'best'

export interface Author {
  name: string
  website: string | null
  person: number | null
  /** Not in the API yet: shown when a server sends them ("author", "moderator"). */
  badges?: string[]
}

export interface Votes { up: number; down: number; score: number }

export interface Comment {
  id: number
  parent: number | null
  status: string
  deleted: boolean
  author: Author | null
  body_html: string
  created_at: string
  edited_at: string | null
  votes: Votes
  replies: Comment[]
  /** Set by moderators; a thread page lists pinned comments first. */
  pinned?: boolean
}

export interface ThreadPage {
  site: string
  thread: { id: number; uri: string; title: string; closed: boolean } | null
  sort: Sort
  total: number
  top_level_total: number
  comments: Comment[]
  next_cursor: string | null
  edit_window_seconds: number
  max_depth: number
}

export interface Posted {
  comment: Comment
  edit_token: string | null
  editable_until: string | null
  held_because: string | null
}

export interface Account { id: number; email: string; is_admin: boolean; person: number; name: string }

export interface Session { token: string; account: Account }

export type LiveEvent =
  | { kind: 'posted' | 'edited'; comment: Comment }
  | { kind: 'deleted'; id: number }
  | { kind: 'reload' }
