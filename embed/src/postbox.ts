// The comment form: new comment, reply, or edit; Markdown with a live server-rendered preview.
import type { Comment, Posted } from './types'
import type { Node } from './render'
import type { Widget } from './thread'
import { ApiError, api } from './api'
import { h, sanitisedBodies } from './dom'
import { browserToken, editToken, load, rememberEditToken, save, session } from './store'

type Mode = 'new' | 'reply' | 'edit'
interface Remembered { name?: string; email?: string; website?: string }

const PREVIEW_DELAY_MS = 250
let formCount = 0

function field(id: string, label: string, type: string, value: string | undefined, autocomplete: string): HTMLElement {
  return h('label', { class: 'fl', for: id }, h('span', null, label),
    h('input', { id, name: id.split('-')[0], type, value: value || '', autocomplete, maxlength: type === 'email' ? 254 : 200 }))
}

export function postbox(w: Widget, mode: Mode, target?: Node, source = ''): HTMLFormElement {
  const t = w.t
  const n = ++formCount
  const anonymous = mode !== 'edit' && !session()
  const remembered = load<Remembered>('author') || {}
  const name = target && w.nameOf(target.c)
  const text = h('textarea', {
    id: 'text-' + n, name: 'body', rows: mode === 'new' ? 3 : 2, required: true,
    placeholder: mode === 'reply' ? t.t('replyTo', { name: name || '' }) : t.t('placeholder'),
    'aria-label': mode === 'reply' ? t.t('replyTo', { name: name || '' }) : t.t('placeholder'),
  })
  text.value = source
  const preview = h('div', { class: 'pv x', 'aria-live': 'polite', hidden: true })
  const previewToggle = h('button', { type: 'button', class: 'ghost', 'aria-pressed': 'false', 'aria-controls': preview.id = 'pv-' + n }, t.t('preview'))
  const error = h('p', { class: 'er', role: 'alert' })
  const submit = h('button', { type: 'submit', class: 'pr' }, t.t(mode === 'edit' ? 'save' : mode === 'reply' ? 'postReply' : 'post'))
  const who = anonymous && h('div', { class: 'who' },
    field('name-' + n, t.t('name'), 'text', remembered.name, 'name'),
    field('email-' + n, t.t('email'), 'email', remembered.email, 'email'),
    field('website-' + n, t.t('website'), 'url', remembered.website, 'url'))
  const form = h('form', { class: 'pb' + (mode === 'new' ? '' : ' in'), novalidate: true },
    h('div', { class: 'ed' }, text, preview),
    who,
    error,
    h('div', { class: 'row' },
      h('span', { class: 'hint' }, t.t('markdown'), mode === 'new' && ' · ', mode === 'new' && w.accountLine()),
      previewToggle,
      mode !== 'new' && h('button', { type: 'button', class: 'ghost', 'data-cancel': '' }, t.t('cancel')),
      submit))

  let previewed = -1
  let timer = 0
  const refreshPreview = (): void => {
    const request = ++previewed
    const body = text.value
    if (!body.trim()) { preview.textContent = t.t('nothing'); return }
    api<{ html: string }>(w.cfg, 'POST', 'preview', { site: w.cfg.site, body })
      .then((result) => { if (request === previewed) preview.replaceChildren(...sanitisedBodies([result.html])[0].childNodes) })
      .catch(() => { if (request === previewed) preview.textContent = t.t('error') })
  }
  previewToggle.addEventListener('click', () => {
    const on = preview.hidden
    preview.hidden = !on
    previewToggle.setAttribute('aria-pressed', String(on))
    if (on) refreshPreview()
  })
  text.addEventListener('input', () => {
    text.style.height = 'auto'
    text.style.height = Math.min(text.scrollHeight + 2, 480) + 'px'
    if (!preview.hidden) { clearTimeout(timer); timer = window.setTimeout(refreshPreview, PREVIEW_DELAY_MS) }
  })
  const cancel = (): void => { form.remove(); w.formClosed(target, mode) }
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit() }
    else if (e.key === 'Escape' && mode !== 'new') { e.preventDefault(); cancel() }
  })
  form.addEventListener('click', (e) => { if ((e.target as Element).closest('[data-cancel]')) cancel() })

  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    error.textContent = ''
    for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid')
    const value = (key: string): string => ((form.elements.namedItem(key) as HTMLInputElement | null)?.value || '').trim()
    submit.disabled = true
    submit.textContent = t.t('sending')
    try {
      if (mode === 'edit' && target) {
        const token = editToken(target.c.id)
        const edited = await api<Comment>(w.cfg, 'PATCH', 'comments/' + target.c.id, { body: text.value },
          token ? { 'X-Porch-Edit-Token': token } : {})
        w.sources.set(edited.id, text.value)
        w.update(edited)
        return
      }
      const author = anonymous ? { name: value('name'), email: value('email') || null, website: value('website') || null } : null
      const posted = await api<Posted>(w.cfg, 'POST', 'comments', {
        site: w.cfg.site, uri: w.cfg.uri, title: w.cfg.title, body: text.value,
        parent: target ? target.c.id : null, author,
      }, { 'X-Porch-Browser': browserToken() })
      if (author) save('author', author)
      if (posted.edit_token && posted.editable_until) {
        rememberEditToken(posted.comment.id, posted.edit_token, Date.parse(posted.editable_until))
      }
      w.sources.set(posted.comment.id, text.value)
      w.posted(posted, target)
      text.value = ''
      text.style.height = ''
      preview.hidden = true
      previewToggle.setAttribute('aria-pressed', 'false')
      if (mode === 'reply') cancel()
    } catch (err) {
      const problem = err instanceof ApiError ? err : null
      if (problem && problem.status === 401 && session()) w.signOut()
      error.textContent = problem ? problem.message : t.t('error')
      for (const key of Object.keys((problem && problem.fields) || {})) {
        const input = form.elements.namedItem(key.replace('author.', '')) as HTMLElement | null
        if (input) input.setAttribute('aria-invalid', 'true')
      }
    } finally {
      submit.disabled = false
      submit.textContent = t.t(mode === 'edit' ? 'save' : mode === 'reply' ? 'postReply' : 'post')
    }
  })
  return form
}
