// <a data-porch-count href="/post">…</a> links become "N comments", with one request per page.
import { readConfig, scriptElement } from './config'
import { api } from './api'
import { COMMENTS, plural } from './i18n/count'

const BATCH = 200 // the API's limit per request

async function count(): Promise<void> {
  const script = scriptElement()
  if (!script) return
  const cfg = readConfig(script)
  const comments = plural(cfg.lang)
  const links = Array.from(document.querySelectorAll<HTMLElement>('[data-porch-count]'))
  const uriOf = (el: HTMLElement): string =>
    new URL(el.dataset.porchCount || el.getAttribute('href') || '', location.href).href.split('#')[0]
  const uris = Array.from(new Set(links.map(uriOf)))
  for (let i = 0; i < uris.length; i += BATCH) {
    const { counts } = await api<{ counts: Record<string, number> }>(cfg, 'POST', 'counts', { site: cfg.site, uris: uris.slice(i, i + BATCH) })
    for (const el of links) {
      const n = counts[uriOf(el)]
      if (n !== undefined) el.textContent = comments(COMMENTS[cfg.lang], n)
    }
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', count)
else count()
