// The widget: loads a page's conversation (one request), renders it, and keeps it current.
import type { Config } from './config'
import type { Comment, LiveEvent, Posted, Sort, ThreadPage } from './types'
import type { Node, RenderContext } from './render'
import { ApiError, api, query } from './api'
import { h, sanitisedBodies } from './dom'
import { i18n, type I18n } from './i18n'
import { actions, body, column as columnOf, displayName, idOf, renderTree, replyBox } from './render'
import { postbox } from './postbox'
import { signInPanel } from './auth'
import { listen } from './live'
import { editToken, myVotes, rememberVote, save, session, browserToken } from './store'
import CSS from './style.css'

const SORTS: Sort[] = ['oldest', 'newest', 'best']
const MAX_PERMALINK_PAGES = 20
const COMMENT_HEIGHT = 150 // px: a comment of two short paragraphs, with its margin

export class Widget implements RenderContext {
  cfg: Config
  t: I18n
  nodes = new Map<number, Node>()
  authors = new Map<string, HTMLElement>()
  bodies?: HTMLElement[]
  sources = new Map<number, string>() // Markdown we posted in this page view, for editing
  maxDepth = 6
  closed = false
  windowSeconds = 900
  sort: Sort
  nextPage: string | null = null
  totalCount = 0
  remaining = 0
  loaded = false
  root: HTMLElement
  head = h('h2', { class: 'hd', 'aria-live': 'polite' })
  list = h('div', { class: 'ls' })
  moreButton = h('button', { type: 'button', class: 'mo', 'data-a': 'more', hidden: true })
  statusLine = h('p', { class: 'st', role: 'status' })
  accountBox = h('div')
  box = h('div')
  sortBar: HTMLElement

  constructor(cfg: Config, shadow: ShadowRoot) {
    this.cfg = cfg
    this.t = i18n(cfg.lang)
    this.sort = cfg.sort
    this.sortBar = h('div', { class: 'so', role: 'group', 'aria-label': this.t.t('sort') },
      ...SORTS.map((s) => h('button', { type: 'button', 'data-a': 'sort', 'data-s': s, 'aria-pressed': String(s === this.sort) }, this.t.t(s))))
    this.root = h('section', { class: 'p', lang: cfg.lang, 'aria-label': this.t.t('label') },
      h('div', { class: 'top' }, this.head, this.sortBar),
      this.accountBox, this.box, this.statusLine, this.list, this.moreButton)
    this.root.addEventListener('click', (e) => this.click(e))
    this.root.addEventListener('keydown', (e) => {
      // The comments' controls are role=button spans (render.ts::control): Enter and Space press them.
      const control = e.target as HTMLElement
      // A held key presses once, as on a native button (the browser repeats keydown).
      if ((e.key === 'Enter' || e.key === ' ') && !e.repeat && control.matches('span[role=button]')) {
        e.preventDefault()
        control.click()
      }
    })
    // A comment's time is its permalink, made a link (and given its full date as a title) when a
    // pointer, focus or click first reaches it, not when rendered: Chrome's navigation predictor
    // measures every <a href> on the page after each layout (~2 ms a thousand).
    const linked = (e: Event): void => {
      const link = (e.target as Element).closest<HTMLAnchorElement>('a.tm')
      if (link && !link.title) {
        link.title = this.t.date(link.firstElementChild!.getAttribute('datetime')!)
        link.href = '#' + link.closest('article')!.id
      }
    }
    for (const type of ['pointerover', 'focusin', 'click']) this.root.addEventListener(type, linked)
    if ('adoptedStyleSheets' in shadow && typeof CSSStyleSheet.prototype.replaceSync === 'function') {
      // A constructed sheet is not inline CSS: pages with a strict CSP still style the widget.
      const sheet = new CSSStyleSheet()
      sheet.replaceSync(CSS)
      shadow.adoptedStyleSheets = [sheet]
    } else {
      shadow.append(h('style', null, CSS))
    }
    shadow.append(this.root)
    const theme = (): void => this.root.setAttribute('data-theme', cfg.theme === 'auto' ? pageTheme(shadow.host) : cfg.theme)
    theme()
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', theme)
    this.box.append(postbox(this, 'new'))
    window.setInterval(() => this.refreshTimes(), 60000)
    window.addEventListener('hashchange', () => this.permalink())
  }

  // --- what render.ts asks -------------------------------------------------------------
  nameOf(c: Comment): string { return displayName(this, c) }

  mine(c: Comment): boolean {
    const s = session()
    return !!editToken(c.id) || this.sources.has(c.id) || !!(s && c.author && c.author.person === s.account.person)
  }

  editable(c: Comment): boolean {
    const s = session()
    if (c.deleted) return false
    if (s && s.account.is_admin) return true
    return !!editToken(c.id) || (!!s && !!c.author && c.author.person === s.account.person &&
      Date.parse(c.created_at) + this.windowSeconds * 1000 > Date.now())
  }

  myVote(id: number): number { return myVotes()[id] || 0 }

  // --- loading ---------------------------------------------------------------------------
  async load(more = false): Promise<void> {
    const params: Record<string, string> = { site: this.cfg.site, uri: this.cfg.uri, sort: this.sort, limit: String(this.cfg.limit) }
    if (more && this.nextPage) params.cursor = this.nextPage
    this.moreButton.disabled = true
    let page: ThreadPage
    try {
      page = await api<ThreadPage>(this.cfg, 'GET', 'threads?' + query(params))
    } catch (err) {
      this.statusLine.replaceChildren(
        h('span', null, err instanceof ApiError && err.status === 404 ? err.message : this.t.t('loadError') + ' '),
        h('button', { type: 'button', class: 'ghost', 'data-a': 'retry' }, this.t.t('retry')))
      return
    } finally {
      this.moreButton.disabled = false
    }
    this.statusLine.textContent = ''
    this.maxDepth = page.max_depth
    this.windowSeconds = page.edit_window_seconds
    this.closed = !!(page.thread && page.thread.closed)
    this.box.hidden = this.closed
    if (!more) {
      this.nodes.clear()
      this.list.textContent = ''
      this.remaining = page.top_level_total
    }
    this.render(page.comments)
    this.remaining -= page.comments.length
    this.nextPage = page.next_cursor
    this.setTotal(page.total)
    this.showMore()
    if (!this.loaded) {
      this.loaded = true
      this.markRead()
      listen(this.cfg, (event) => this.live(event), () => this.poll())
    }
  }

  /** A signed-in reader has seen the thread: it is read in their inbox (docs/subsystems/inbox.md). */
  markRead(): void {
    if (session()) api(this.cfg, 'POST', 'me/read', { site: this.cfg.site, uri: this.cfg.uri }).catch(() => null)
  }

  render(comments: Comment[]): void {
    const start = performance.now()
    const fragment = document.createDocumentFragment()
    // Every body of the page in one parse, in the order renderTree meets them; and each
    // conversation's size (comments in it).
    const htmls: string[] = []
    const collect = (c: Comment): number => {
      if (!c.deleted) htmls.push(c.body_html)
      return c.replies.reduce((size, reply) => size + collect(reply), 1)
    }
    const sizes = comments.map(collect)
    this.bodies = sanitisedBodies(htmls).reverse()
    comments.forEach((c, i) => {
      // Off screen, a conversation is laid out at its estimated height until it has been shown.
      renderTree(this, c, 0, fragment as unknown as Element).el.style.containIntrinsicSize = `auto ${sizes[i] * COMMENT_HEIGHT}px`
    })
    this.bodies = undefined
    this.list.append(fragment)
    performance.measure('porch:render', { start, detail: this.nodes.size }) // to now
  }

  setTotal(total: number): void {
    this.totalCount = Math.max(0, total)
    this.head.textContent = this.totalCount ? this.t.n('comments', this.totalCount) : this.t.t('empty')
  }

  showMore(): void {
    this.moreButton.hidden = !this.nextPage
    this.moreButton.textContent = this.t.n('more', Math.max(this.remaining, 1))
  }

  async poll(): Promise<void> {
    // Fallback for live updates: re-read the first page and add what is new.
    const params = { site: this.cfg.site, uri: this.cfg.uri, sort: this.sort, limit: String(Math.min(200, Math.max(this.cfg.limit, this.list.children.length))) }
    const page = await api<ThreadPage>(this.cfg, 'GET', 'threads?' + query(params)).catch(() => null)
    if (!page) return
    const walk = (comments: Comment[]): void => {
      for (const c of comments) {
        const known = this.nodes.get(c.id)
        if (!known) this.insert({ ...c, replies: [] }, false)
        else if (c.edited_at !== known.c.edited_at && !c.deleted) this.update(c)
        walk(c.replies)
      }
    }
    walk(page.comments)
    this.setTotal(page.total)
  }

  // --- changes ---------------------------------------------------------------------------
  insert(c: Comment, announce: boolean): Node | null {
    if (this.nodes.has(c.id)) return null
    const parent = c.parent == null ? null : this.nodes.get(c.parent)
    if (c.parent != null && !parent) return null // under a page not loaded: it shows when that loads
    let node: Node
    if (parent) {
      node = renderTree(this, c, parent.depth + 1, replyBox(this, parent), null, this.nameOf(parent.c))
    } else {
      node = renderTree(this, c, 0, this.list, this.sort === 'newest' && this.list.firstElementChild ? this.nodes.get(idOf(this.list.firstElementChild)) : null)
    }
    node.el.classList.add('nw')
    if (announce) this.statusLine.textContent = this.t.t('newComment', { name: this.nameOf(c) })
    return node
  }

  update(c: Comment): void {
    const node = this.nodes.get(c.id)
    if (!node || node.c.deleted) return
    node.c = { ...c, replies: node.c.replies }
    const column = columnOf(node)
    column.querySelector(':scope > form')?.remove()
    const oldBody = column.querySelector(':scope > .x')
    const fresh = body(c.body_html)
    if (oldBody) oldBody.replaceWith(fresh)
    else column.children[0].after(fresh)
    column.querySelector(':scope > .ac')?.replaceWith(actions(this, node.c))
    const meta = column.children[0]
    if (c.edited_at && !meta.querySelector('.ed')) meta.append(h('span', { class: 'ed' }, '· ' + this.t.t('edited')))
  }

  removed(id: number): void {
    const node = this.nodes.get(id)
    if (!node || node.c.deleted) return
    const published = node.c.status === 'published'
    if (node.box && node.box.children.length) {
      // Replies keep their place under a tombstone.
      node.c = { ...node.c, deleted: true, author: null, body_html: '' }
      const column = columnOf(node)
      node.el.classList.add('rm')
      node.el.firstElementChild!.textContent = ''
      column.replaceChildren(h('p', { class: 'm' }, this.t.t('removed')))
    } else {
      node.el.remove()
      this.nodes.delete(id)
    }
    if (published) this.setTotal(this.totalCount - 1)
  }

  live(event: LiveEvent): void {
    if (event.kind === 'posted') {
      if (this.insert(event.comment, true)) this.setTotal(this.totalCount + 1)
    } else if (event.kind === 'edited') this.update(event.comment)
    else if (event.kind === 'deleted') this.removed(event.id)
    else this.load()
  }

  posted(result: Posted, parent?: Node): void {
    // The live stream may have delivered our own comment before this response did.
    const existing = this.nodes.get(result.comment.id)
    const node = existing || this.insert({ ...result.comment, replies: [] }, false)
    this.statusLine.textContent = result.held_because ? this.t.t('held') : ''
    if (!existing && node && !result.held_because) this.setTotal(this.totalCount + 1)
    if (node) {
      node.el.classList.add('me')
      columnOf(node).querySelector(':scope > .ac')?.replaceWith(actions(this, node.c))
      if (parent) node.el.scrollIntoView({ block: 'nearest' })
    }
  }

  formClosed(target: Node | undefined, mode: string): void {
    if (!target) return
    if (mode === 'edit') {
      const column = columnOf(target)
      const bodyEl = column.querySelector<HTMLElement>(':scope > .x')
      if (bodyEl) bodyEl.hidden = false
    }
    const button = target.el.querySelector<HTMLElement>(`:scope > .cb > .ac [data-a=${mode}]`)
    button?.setAttribute('aria-expanded', 'false')
    button?.focus()
  }

  // --- actions ---------------------------------------------------------------------------
  click(e: Event): void {
    const button = (e.target as Element).closest<HTMLElement>('[data-a]')
    if (!button) return // (a disabled button gets no click)
    const article = button.closest<HTMLElement>('article')
    const node = article ? this.nodes.get(idOf(article)) : undefined
    const action = button.dataset.a
    if (action === 'sort') {
      this.sort = button.dataset.s as Sort
      for (const b of this.sortBar.children) b.setAttribute('aria-pressed', String(b === button))
      this.load()
    } else if (action === 'more') this.load(true)
    else if (action === 'retry') this.load()
    else if (action === 'signin') {
      const open = this.accountBox.querySelector('form')
      if (open) open.remove()
      else this.accountBox.append(signInPanel(this))
      this.accountBox.querySelector('input')?.focus()
    } else if (action === 'signout') {
      api(this.cfg, 'POST', 'auth/logout').catch(() => null)
      this.signOut()
    } else if (node) this.act(action!, node, button)
  }

  /** Who is asking to change comment id: its edit token, the session. */
  auth(id: number): Record<string, string> {
    const token = editToken(id)
    const s = session()
    const headers: Record<string, string> = token ? { 'X-Porch-Edit-Token': token } : {}
    if (s) headers.Authorization = 'Bearer ' + s.token
    return headers
  }

  act(action: string, node: Node, button: HTMLElement, source?: string): void {
    const column = columnOf(node)
    if (action === 'reply' || action === 'edit') {
      const open = column.querySelector<HTMLFormElement>(':scope > form')
      if (open) { open.querySelector('textarea')?.focus(); return }
      source ??= action === 'edit' ? this.sources.get(node.c.id) : ''
      if (source == null) {
        // After a reload the Markdown is on the server (for whoever may edit); the rendered text is the fallback.
        api<{ text: string }>(this.cfg, 'GET', `comments/${node.c.id}/source`, undefined, this.auth(node.c.id))
          .then((r) => r.text, () => column.querySelector<HTMLElement>(':scope > .x')?.innerText || '')
          .then((text) => this.act(action, node, button, text))
        return
      }
      const form = postbox(this, action, node, source)
      if (action === 'edit') column.querySelector<HTMLElement>(':scope > .x')!.hidden = true
      column.querySelector(':scope > .ac')!.after(form)
      button.setAttribute('aria-expanded', 'true')
      form.querySelector('textarea')!.focus()
    } else if (action === 'delete') {
      button.dataset.a = 'really'
      button.classList.add('danger')
      button.textContent = this.t.t('sure')
    } else if (action === 'really') {
      api(this.cfg, 'DELETE', 'comments/' + node.c.id, undefined, this.auth(node.c.id))
        .then(() => this.removed(node.c.id))
        .catch((err) => this.failed(err))
    } else if (action === 'up' || action === 'down') {
      const wanted = action === 'up' ? 1 : -1
      const value = this.myVote(node.c.id) === wanted ? 0 : wanted
      api<{ votes: Comment['votes'] }>(this.cfg, 'POST', `comments/${node.c.id}/vote`, { value }, { 'X-Porch-Browser': browserToken() })
        .then((result) => {
          rememberVote(node.c.id, value)
          node.c = { ...node.c, votes: result.votes }
          column.querySelector(':scope > .ac')!.replaceWith(actions(this, node.c))
          column.querySelector<HTMLElement>(`:scope > .ac [data-a=${action}]`)?.focus()
        })
        .catch((err) => this.failed(err))
    }
  }

  failed(err: unknown): void {
    this.statusLine.textContent = err instanceof ApiError ? err.message : this.t.t('error')
  }

  // --- accounts --------------------------------------------------------------------------
  /** "Sign in" or "Signed in as … · Sign out", shown in the new-comment form's footer. */
  accountLine(): HTMLElement {
    const s = session()
    return s
      ? h('span', { class: 'who-s' }, this.t.t('signedIn', { name: s.account.name }), ' · ',
          h('button', { type: 'button', class: 'lk', 'data-a': 'signout' }, this.t.t('signOut')))
      : h('button', { type: 'button', class: 'lk', 'data-a': 'signin' }, this.t.t('signIn'))
  }

  signedIn(): void {
    this.accountBox.textContent = ''
    this.box.replaceChildren(postbox(this, 'new'))
    if (this.loaded) this.markRead()
  }

  signOut(): void {
    save('session', null)
    this.signedIn()
  }

  // --- permalinks and time ---------------------------------------------------------------
  async permalink(): Promise<void> {
    const match = /^#comment-(\d+)$/.exec(location.hash)
    if (!match) return
    const id = Number(match[1])
    for (let pages = 0; !this.nodes.has(id) && this.nextPage && pages < MAX_PERMALINK_PAGES; pages++) await this.load(true)
    const node = this.nodes.get(id)
    if (!node) return
    for (const old of this.list.querySelectorAll('.hl')) old.classList.remove('hl')
    node.el.classList.add('hl')
    // Off-screen conversations are laid out (content-visibility) only once scrolled near, which
    // moves what is below them: scroll again for a few frames, until they are laid out.
    const show = (frames: number): void => {
      node.el.scrollIntoView({ block: 'center' })
      if (frames) requestAnimationFrame(() => show(frames - 1))
    }
    show(5)
    node.el.focus({ preventScroll: true })
  }

  refreshTimes(): void {
    for (const time of this.list.querySelectorAll('time')) time.textContent = this.t.ago(time.dateTime)
  }
}

/**
 * "auto": match the page the widget sits on, judged by the first opaque background behind it
 * (a blog with its own dark design gets the dark widget whatever the reader's OS prefers).
 */
function pageTheme(el: Element | null): 'light' | 'dark' {
  for (; el; el = el.parentElement) {
    const [r, g, b, a] = (getComputedStyle(el).backgroundColor.match(/[\d.]+/g) || []).map(Number)
    if (b !== undefined && (a === undefined || a > 0.5)) return 0.3 * r + 0.59 * g + 0.11 * b < 128 ? 'dark' : 'light'
  }
  return 'light'
}

/** Fill the page's #porch-thread (or data-porch-target), made after the script when missing. */
export function mount(cfg: Config, script: HTMLScriptElement): Widget | null {
  let host = document.querySelector(cfg.target)
  if (!host) {
    host = h('div', { id: 'porch-thread' })
    if (script.parentElement && script.parentElement !== document.head) script.after(host)
    else document.body.append(host)
  }
  if (host.shadowRoot) return null
  const widget = new Widget(cfg, host.attachShadow({ mode: 'open' }))
  widget.load().then(() => widget.permalink())
  return widget
}
