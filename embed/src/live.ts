// Live updates: server-sent events from Porch, or polling when a browser or proxy cannot stream.
import type { Config } from './config'
import type { LiveEvent } from './types'
import { query } from './api'

const POLL_MS = 30000
const MAX_FAILURES = 3

export function listen(cfg: Config, onEvent: (event: LiveEvent) => void, poll: () => void): void {
  let timer = 0
  const startPolling = (): void => {
    if (!timer) timer = window.setInterval(() => { if (!document.hidden) poll() }, POLL_MS)
  }
  if (typeof EventSource !== 'function') return startPolling()
  let failures = 0
  const source = new EventSource(cfg.base + '/api/v1/stream?' + query({ site: cfg.site, uri: cfg.uri }))
  source.onopen = () => { failures = 0 }
  source.onmessage = (message) => {
    try {
      onEvent(JSON.parse(message.data) as LiveEvent)
    } catch {
      // A malformed event is skipped; the next load shows the truth.
    }
  }
  source.onerror = () => {
    // CLOSED: the server refused the stream (or a proxy mangled it). Otherwise the browser
    // retries by itself; after a few failures in a row we stop and poll instead.
    if (source.readyState === EventSource.CLOSED || ++failures >= MAX_FAILURES) {
      source.close()
      startPolling()
    }
  }
}
