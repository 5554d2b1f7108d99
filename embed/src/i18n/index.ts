// Messages in English, French and German; relative times and plurals come from Intl.
// A language costs ~450 bytes of the 12 KB gzipped budget: add one as a file of lines like fr.ts.
import en from './en'
import fr from './fr'
import de from './de'

type Key = keyof typeof en
const KEYS = Object.keys(en) as Key[]
const LINES: Record<string, string> = { fr, de }

/** The first supported language of "fr-CA", "de", …; English otherwise. */
export const pickLang = (wanted: string): string => {
  const code = (wanted || '').slice(0, 2).toLowerCase()
  return LINES[code] ? code : 'en'
}

export interface I18n {
  lang: string
  t(key: Key, vars?: Record<string, string | number>): string
  n(key: 'comments' | 'more', count: number): string
  ago(iso: string): string
  date(iso: string): string
}

const fill = (text: string, vars?: Record<string, string | number>): string => {
  for (const name in vars) text = text.split('{' + name + '}').join(String(vars[name]))
  return text
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 31536000], ['month', 2592000], ['week', 604800], ['day', 86400], ['hour', 3600], ['minute', 60],
]

export function i18n(lang: string): I18n {
  const lines = (LINES[lang] || '').split('\n')
  // A missing translation falls back to English rather than to nothing.
  const dict = {} as Record<Key, string>
  KEYS.forEach((key, i) => { dict[key] = lines[i] || en[key] })
  const plural = new Intl.PluralRules(lang)
  const relative = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' })
  const absolute = new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeStyle: 'short' })
  const number = new Intl.NumberFormat(lang)
  const said: Record<string, string> = {}
  return {
    lang,
    t: (key, vars) => fill(dict[key], vars),
    n: (key, count) => fill(dict[key].split('|')[plural.select(count) === 'one' ? 0 : 1], { n: number.format(count) }),
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
