// One comment → one <article>, built with DOM APIs; replies nest until max_depth, then stay level.
import type { Comment } from './types'
import type { I18n } from './i18n'
import { h, insertSanitisedHtml, webAddress } from './dom'

/** The comment's own box (meta, text, actions, open form), inside its column. */
export const column = (node: Node): HTMLElement => node.el.lastElementChild!.firstElementChild as HTMLElement

export interface Node {
  c: Comment
  el: HTMLElement
  depth: number
  box?: HTMLElement // where its replies go
}

export interface RenderContext {
  t: I18n
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

function avatar(name: string): HTMLElement {
  const el = h('span', { class: 'av', 'aria-hidden': 'true' }, name.trim().charAt(0).toUpperCase() || '?')
  el.style.setProperty('--h', String(hue(name)))
  return el
}

export function timeLink(ctx: RenderContext, c: Comment): HTMLElement {
  return h('a', { class: 'tm', href: '#comment-' + c.id, title: ctx.t.date(c.created_at), 'aria-label': ctx.t.t('permalink') + ', ' + ctx.t.date(c.created_at) },
    h('time', { datetime: c.created_at }, ctx.t.ago(c.created_at)))
}

function voteButton(ctx: RenderContext, c: Comment, value: 1 | -1): HTMLElement {
  return h('button', {
    type: 'button', class: 'vb', 'data-a': value > 0 ? 'up' : 'down', 'aria-pressed': String(ctx.myVote(c.id) === value),
    'aria-label': ctx.t.t(value > 0 ? 'up' : 'down'), title: ctx.t.t(value > 0 ? 'up' : 'down'),
  }, value > 0 ? '▲' : '▼')
}

export function actions(ctx: RenderContext, c: Comment): HTMLElement {
  const t = ctx.t
  const mine = ctx.mine(c)
  const published = c.status === 'published'
  return h('div', { class: 'ac' },
    h('span', { class: 'vt' },
      published && !mine && voteButton(ctx, c, 1),
      h('span', { class: 'sc', title: '+' + c.votes.up + ' / −' + c.votes.down }, String(c.votes.score)),
      published && !mine && voteButton(ctx, c, -1)),
    published && !ctx.closed && h('button', { type: 'button', 'data-a': 'reply', 'aria-expanded': 'false' }, t.t('reply')),
    ctx.editable(c) && h('button', { type: 'button', 'data-a': 'edit' }, t.t('edit')),
    ctx.editable(c) && h('button', { type: 'button', 'data-a': 'delete' }, t.t('del')))
}

export function body(html: string): HTMLElement {
  const el = h('div', { class: 'x' })
  insertSanitisedHtml(el, html)
  return el
}

/** The comment itself, without its replies. */
export function renderComment(ctx: RenderContext, c: Comment, depth: number, parentName?: string): HTMLElement {
  const t = ctx.t
  if (c.deleted) {
    return h('article', { class: 'c rm', id: 'comment-' + c.id, 'data-id': c.id, tabindex: '-1' },
      h('span', { class: 'av' }),
      h('div', { class: 'bd' }, h('div', { class: 'cb' }, h('p', { class: 'm' }, t.t('removed')))))
  }
  const name = displayName(ctx, c)
  const web = webAddress(c.author && c.author.website)
  const meta = h('div', { class: 'm' },
    web ? h('a', { class: 'n', href: web, rel: 'nofollow ugc noopener noreferrer', target: '_blank' }, name)
      : h('span', { class: 'n' }, name),
    ...((c.author && c.author.badges) || []).map((badge) =>
      h('span', { class: 'bg' }, badge === 'author' ? t.t('author') : badge === 'moderator' ? t.t('moderator') : badge)),
    c.status === 'pending' && h('span', { class: 'bg pe' }, t.t('pending')),
    depth > ctx.maxDepth && parentName && h('span', { class: 'ir' }, '↪ ' + t.t('inReplyTo', { name: parentName })),
    timeLink(ctx, c),
    c.edited_at && h('span', { class: 'ed', title: t.date(c.edited_at) }, '· ' + t.t('edited')))
  return h('article', { class: 'c', id: 'comment-' + c.id, 'data-id': c.id, tabindex: '-1', 'aria-label': t.t('by', { name }) },
    avatar(name),
    h('div', { class: 'bd' }, h('div', { class: 'cb' }, meta, body(c.body_html), actions(ctx, c))))
}

/** The container for a node's replies, made on first need; past max_depth it adds no indent. */
export function replyBox(ctx: RenderContext, node: Node): HTMLElement {
  if (!node.box) {
    const flat = node.depth + 1 > ctx.maxDepth
    node.box = h('div', { class: flat ? 'r f' : 'r', role: 'group', 'aria-label': ctx.t.t('replies', { name: displayName(ctx, node.c) }) })
    node.el.lastElementChild!.append(node.box)
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
