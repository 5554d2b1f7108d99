// What count.js needs of the messages: "N comments" in each language, plurals and numbers from Intl.
// embed.js shares it (index.ts); count.js bundles this file alone, not every message of the widget.
export const COMMENTS: Record<string, string> = {
  en: '{n} comment|{n} comments',
  fr: '{n} commentaire|{n} commentaires',
  de: '{n} Kommentar|{n} Kommentare',
}

/** The first supported language of "fr-CA", "de", …; English otherwise. */
export const pickLang = (wanted: string): string => {
  const code = (wanted || '').slice(0, 2).toLowerCase()
  return COMMENTS[code] ? code : 'en'
}

export const fill = (text: string, vars?: Record<string, string | number>): string => {
  for (const name in vars) text = text.split('{' + name + '}').join(String(vars[name]))
  return text
}

/** "one|other" forms of a message, chosen and filled for a count in the language's way. */
export function plural(lang: string): (forms: string, count: number) => string {
  const rules = new Intl.PluralRules(lang)
  const number = new Intl.NumberFormat(lang)
  return (forms, count) => fill(forms.split('|')[rules.select(count) === 'one' ? 0 : 1], { n: number.format(count) })
}
