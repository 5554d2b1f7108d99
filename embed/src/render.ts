// One comment → one <article>, built with DOM APIs; replies nest until max_depth, then stay level.
import type { Comment } from './types'
import type { I18n } from './i18n'
import { h, sanitisedBodies, webAddress } from './dom'

/** The comment's own box (meta, text, actions, open form); its replies follow it in the article. */
export const column = (node: Node): HTMLElement => node.el.children[1] as HTMLElement

export interface Node {
  c: Comment
  el: HTMLElement
  depth: number
  box?: HTMLElement // where its replies go
}

export interface RenderContext {
  t: I18n
  proto?: HTMLElement
  /** Each author's skeleton, their name and avatar filled in (see authored). */
  authors: Map<string, HTMLElement>
  /** A page being rendered: its bodies, parsed at once (Widget.render), last comment's first. */
  bodies?: HTMLElement[]
  maxDepth: number
  closed: boolean
  nodes: Map<number, Node>
  mine(c: Comment): boolean
  editable(c: Comment): boolean
  myVote(id: number): number
}

const hue = (name: string): number => {
  let hash = 0
  for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) | 0
  return Math.abs(hash) % 360
}

export const displayName = (ctx: RenderContext, c: Comment): string =>
  (c.author && c.author.name) || ctx.t.t('anonymous')

/**
 * A comment's control (vote, reply, edit, delete): a focusable role=button span, pressed with
 * Enter or Space through Widget's one keydown listener, not a <button>. A thousand comments
 * carry three thousand controls, and native buttons are form controls: each costs more to
 * clone and attach, and Chrome's autofill scans them all 100 ms after the comment form
 * appears (about 7 ms of the main thread, often between the render and its first frame).
 */
const control = (action: string, text: string, props?: Record<string, string>): HTMLElement =>
  h('span', { role: 'button', tabindex: 0, 'data-a': action, ...props }, text)

const vote = (t: I18n, action: 'up' | 'down'): HTMLElement =>
  control(action, action === 'up' ? '▲' : '▼', { class: 'vb', 'aria-pressed': 'false', 'aria-label': t.t(action) })

/**
 * One comment's elements, built once per widget and cloned for each comment: a deep
 * cloneNode is about twice as fast as building the same elements one by one.
 */
function skeleton(ctx: RenderContext): HTMLElement {
  const t = ctx.t
  return ctx.proto || (ctx.proto = h('article', { class: 'c', tabindex: '-1' },
    h('span', { class: 'av', 'aria-hidden': 'true' }),
    h('div', { class: 'cb' },
      h('div', { class: 'm' }, h('span', { class: 'n' }), h('a', { class: 'tm', role: 'link', tabindex: 0 }, h('time'))),
      h('div', { class: 'ac' }, vote(t, 'up'), h('span', { class: 'sc' }), vote(t, 'down'),
        control('reply', t.t('reply'), { 'aria-expanded': 'false' })))))
}

/**
 * The skeleton with what depends only on the author (accessible name, avatar, name or link),
 * filled once per author and cloned for each of their comments: a thread has far fewer
 * authors than comments.
 */
function authored(ctx: RenderContext, c: Comment): HTMLElement {
  const name = displayName(ctx, c)
  const web = webAddress(c.author && c.author.website)
  const key = JSON.stringify([name, web])
  let proto = ctx.authors.get(key)
  if (!proto) {
    proto = skeleton(ctx).cloneNode(true) as HTMLElement
    const avatar = proto.firstElementChild as HTMLElement
    const nameEl = avatar.nextElementSibling!.firstElementChild!.firstElementChild!
    proto.setAttribute('aria-label', ctx.t.t('by', { name }))
    avatar.textContent = name.trim().charAt(0).toUpperCase() || '?'
    avatar.style.setProperty('--h', String(hue(name))) // CSSOM, not a style attribute: a strict CSP allows it
    if (web) nameEl.replaceWith(h('a', { class: 'n', href: web, rel: 'nofollow ugc noopener noreferrer', target: '_blank' }, name))
    else nameEl.textContent = name
    ctx.authors.set(key, proto)
  }
  return proto.cloneNode(true) as HTMLElement
}

/** Fill a cloned actions row: votes (not on one's own), reply, and edit/delete within the window. */
function fillActions(ctx: RenderContext, c: Comment, row: Element): Element {
  const up = row.firstElementChild!
  const score = up.nextElementSibling!
  const down = score.nextElementSibling!
  const reply = down.nextElementSibling!
  const published = c.status === 'published'
  score.textContent = String(c.votes.score)
  if (!published || ctx.mine(c)) { up.remove(); down.remove() } else {
    const mine = ctx.myVote(c.id)
    if (mine) (mine > 0 ? up : down).setAttribute('aria-pressed', 'true')
  }
  if (!published || ctx.closed) reply.remove()
  if (ctx.editable(c)) {
    row.append(control('edit', ctx.t.t('edit')), control('delete', ctx.t.t('del')))
  }
  return row
}

export const actions = (ctx: RenderContext, c: Comment): Element =>
  fillActions(ctx, c, skeleton(ctx).querySelector('.ac')!.cloneNode(true) as Element)

export const body = (html: string): HTMLElement => sanitisedBodies([html])[0]

/** The comment's id, from its article. */
export const idOf = (article: Element): number => Number(article.id.slice(8))

/** The comment itself, without its replies. */
export function renderComment(ctx: RenderContext, c: Comment, depth: number, parentName?: string): HTMLElement {
  const t = ctx.t
  if (c.deleted) {
    return h('article', { class: 'c rm', id: 'comment-' + c.id, tabindex: '-1' },
      h('span', { class: 'av' }),
      h('div', { class: 'cb' }, h('p', { class: 'm' }, t.t('removed'))))
  }
  const el = authored(ctx, c)
  const box = el.lastElementChild!
  const meta = box.firstElementChild!
  const link = meta.lastElementChild!
  const time = link.firstElementChild!
  el.id = 'comment-' + c.id
  time.setAttribute('datetime', c.created_at)
  time.textContent = t.ago(c.created_at)
  for (const badge of (c.author && c.author.badges) || []) {
    link.before(h('span', { class: 'bg' }, badge === 'author' || badge === 'moderator' ? t.t(badge) : badge))
  }
  if (c.pinned) link.before(h('span', { class: 'bg' }, t.t('pinned')))
  if (c.status === 'pending') link.before(h('span', { class: 'bg pe' }, t.t('pending')))
  if (depth > ctx.maxDepth && parentName) link.before(h('span', { class: 'ir' }, '↪ ' + t.t('inReplyTo', { name: parentName })))
  if (c.edited_at) meta.append(h('span', { class: 'ed' }, '· ' + t.t('edited')))
  const row = box.lastElementChild!
  row.before((ctx.bodies && ctx.bodies.pop()) || body(c.body_html))
  fillActions(ctx, c, row)
  return el
}

/** The container for a node's replies, made on first need; past max_depth it adds no indent. */
export function replyBox(ctx: RenderContext, node: Node): HTMLElement {
  if (!node.box) {
    const flat = node.depth + 1 > ctx.maxDepth
    node.box = h('div', { class: flat ? 'r f' : 'r', role: 'group', 'aria-label': ctx.t.t('replies', { name: displayName(ctx, node.c) }) })
    node.el.append(node.box)
  }
  return node.box
}

/** A comment and everything below it, registered in ctx.nodes. */
export function renderTree(ctx: RenderContext, c: Comment, depth: number, into: Element, before?: Node | null, parentName?: string): Node {
  const node: Node = { c, el: renderComment(ctx, c, depth, parentName), depth }
  ctx.nodes.set(c.id, node)
  into.insertBefore(node.el, before ? before.el : null)
  if (c.replies.length) {
    const box = replyBox(ctx, node)
    const name = displayName(ctx, c)
    for (const reply of c.replies) renderTree(ctx, reply, depth + 1, box, null, name)
  }
  return node
}
