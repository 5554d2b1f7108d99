// Messages in English, French and German; relative times and plurals come from Intl.
// A language costs ~450 bytes of the 12 KB gzipped budget: add one as a file of lines like fr.ts,
// and its "N comments" to count.ts (all that count.js carries).
import en from './en'
import fr from './fr'
import de from './de'
import { COMMENTS, fill, plural } from './count'

type Key = keyof typeof en | 'comments'
const KEYS = Object.keys(en) as (keyof typeof en)[]
const LINES: Record<string, string> = { fr, de }

export interface I18n {
  t(key: Key, vars?: Record<string, string | number>): string
  n(key: 'comments' | 'more', count: number): string
  ago(iso: string): string
  date(iso: string): string
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 31536000], ['month', 2592000], ['week', 604800], ['day', 86400], ['hour', 3600], ['minute', 60],
]

export function i18n(lang: string): I18n {
  const lines = (LINES[lang] || '').split('\n')
  // A missing translation falls back to English rather than to nothing.
  const dict = { comments: COMMENTS[lang] } as Record<Key, string>
  KEYS.forEach((key, i) => { dict[key] = lines[i] || en[key] })
  const counted = plural(lang)
  const relative = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' })
  const absolute = new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeStyle: 'short' })
  const said: Record<string, string> = {}
  return {
    t: (key, vars) => fill(dict[key], vars),
    n: (key, count) => counted(dict[key], count),
    ago(iso) {
      const seconds = (Date.parse(iso) - Date.now()) / 1000
      for (const [unit, size] of UNITS) {
        const count = Math.round(seconds / size)
        // A page's comments share a handful of "3 days ago": each is formatted once.
        if (Math.abs(seconds) >= size) return (said[count + unit] ??= relative.format(count, unit))
      }
      return dict.now
    },
    date: (iso) => absolute.format(new Date(iso)),
  }
}
