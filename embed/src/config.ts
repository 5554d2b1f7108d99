// What the site owner wrote on the script tag, with defaults from the page.
import type { Sort } from './types'
import { pickLang } from './i18n/count'

export type Theme = 'light' | 'dark' | 'auto'

export interface Config {
  base: string       // Porch's origin: the script's own, the only host the embed talks to
  site: string
  uri: string
  title: string
  lang: string
  theme: Theme
  sort: Sort
  limit: number
  target: string     // CSS selector of the element to fill
}

/** The script element that loaded us; `currentScript` is only set while the script first runs. */
export function scriptElement(): HTMLScriptElement | null {
  return (document.currentScript as HTMLScriptElement | null) || document.querySelector('script[data-porch-site]')
}

const oneOf = <T extends string>(value: string | undefined, allowed: readonly T[], fallback: T): T =>
  (allowed as readonly string[]).includes(value || '') ? (value as T) : fallback

export function readConfig(script: HTMLScriptElement): Config {
  const d = script.dataset
  const canonical = document.querySelector<HTMLLinkElement>('link[rel=canonical]')
  return {
    base: new URL(script.src, location.href).origin,
    site: d.porchSite || '',
    uri: d.porchUri || (canonical && canonical.href) || location.href.split('#')[0],
    title: d.porchTitle || document.title,
    lang: pickLang(d.porchLang || navigator.language),
    theme: oneOf(d.porchTheme, ['light', 'dark', 'auto'] as const, 'auto'),
    sort: oneOf(d.porchSort, ['oldest', 'newest', 'best'] as const, 'oldest'),
    limit: Math.min(200, Math.max(1, Number(d.porchLimit) || 50)),
    target: d.porchTarget || '#porch-thread',
  }
}
