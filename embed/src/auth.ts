// Signing in from the embed: password, or a mailed link whose address the reader pastes back.
import type { Session } from './types'
import type { Widget } from './thread'
import { ApiError, api } from './api'
import { h } from './dom'
import { save } from './store'

export function signInPanel(w: Widget): HTMLElement {
  const t = w.t
  const error = h('p', { class: 'er', role: 'alert' })
  const email = h('input', { name: 'email', type: 'email', autocomplete: 'email', required: true, 'aria-label': 'Email' })
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', 'aria-label': t.t('password') })
  const link = h('input', { name: 'link', type: 'url', 'aria-label': t.t('linkLabel') })
  const linkRow = h('div', { class: 'row', hidden: true }, h('label', { class: 'fl' }, h('span', null, t.t('linkSent')), link))
  const panel = h('form', { class: 'pb in si' },
    h('div', { class: 'who' },
      h('label', { class: 'fl' }, h('span', null, 'Email'), email),
      h('label', { class: 'fl' }, h('span', null, t.t('password')), password)),
    linkRow, error,
    h('div', { class: 'row' },
      h('button', { type: 'button', class: 'ghost', 'data-link': '' }, t.t('link')),
      h('button', { type: 'submit', class: 'pr' }, t.t('signIn'))))

  const done = (result: Session): void => {
    save('session', result)
    w.signedIn()
  }
  const failed = (err: unknown): void => { error.textContent = err instanceof ApiError ? err.message : t.t('error') }

  panel.addEventListener('click', (e) => {
    if (!(e.target as Element).closest('[data-link]')) return
    error.textContent = ''
    api(w.cfg, 'POST', 'auth/magic-link', { email: email.value.trim() })
      .then(() => { linkRow.hidden = false; link.focus() })
      .catch(failed)
  })
  panel.addEventListener('submit', (e) => {
    e.preventDefault()
    error.textContent = ''
    const pasted = link.value.trim()
    let request: Promise<Session>
    if (pasted) {
      let token = pasted
      try { token = new URL(pasted).searchParams.get('token') || pasted } catch { /* a bare token */ }
      request = api<Session>(w.cfg, 'POST', 'auth/magic-link/redeem', { token })
    } else {
      request = api<Session>(w.cfg, 'POST', 'auth/login', { email: email.value.trim(), password: password.value })
    }
    request.then(done, failed)
  })
  return panel
}
