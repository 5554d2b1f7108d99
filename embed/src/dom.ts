// Building the widget: DOM APIs and textContent only, except insertSanitisedHtml below.

type Child = Node | string | null | undefined | false
type Props = Record<string, string | number | boolean | EventListener | null | undefined>

/** h('button', {class: 'x', onclick: fn}, 'text') — attributes via setAttribute, text as text nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const key in props) {
    const value = props[key]
    if (typeof value === 'function') el.addEventListener(key.slice(2), value)
    else if (value === true) el.setAttribute(key, '')
    else if (value != null && value !== false) el.setAttribute(key, String(value))
  }
  for (const child of children) if (child != null && child !== false) el.append(child)
  return el
}

const ALLOWED_TAGS = new Set(
  'P BR A EM STRONG DEL S CODE PRE BLOCKQUOTE UL OL LI HR H1 H2 H3 H4 H5 H6'.split(' '))
const ALLOWED_ATTRIBUTES: Record<string, string[]> = { A: ['href', 'title', 'rel'], OL: ['start'] }
const SAFE_URL = /^(https?:|mailto:)/i

const template = document.createElement('template')
// Joins many bodies for one parse. The server can never emit it: no attribute survives its allow-list.
const SEPARATOR = '<hr data-porch-split>'

function allowListed(root: DocumentFragment): void {
  const elements = root.querySelectorAll('*')
  for (let i = 0; i < elements.length; i++) {
    const node = elements[i]
    if (!ALLOWED_TAGS.has(node.tagName)) {
      // An unknown element is replaced by its text, so nothing a commenter wrote silently vanishes.
      node.replaceWith(node.textContent || '')
      continue
    }
    if (node.attributes.length) {
      const allowed = ALLOWED_ATTRIBUTES[node.tagName] || []
      for (const name of node.getAttributeNames()) {
        if (!allowed.includes(name) || (name === 'href' && !SAFE_URL.test(node.getAttribute(name)!.trim()))) {
          node.removeAttribute(name)
        }
      }
    }
    if (node.tagName === 'A') {
      node.setAttribute('rel', 'nofollow ugc noopener noreferrer')
      node.setAttribute('target', '_blank')
    }
  }
}

/**
 * THE ONE PLACE HTML IS INSERTED. Audit every change.
 *
 * Each html is a comment body (or preview) rendered and sanitised by the Porch server
 * (markdown-it with raw HTML off, then the nh3/ammonia allow-list in porch.domain.markup).
 * We still never trust it blindly on someone else's page: it is parsed in an inert <template>
 * (no scripts run, nothing loads), then every element and attribute outside the same
 * allow-list is removed and links must be http(s)/mailto, before it is attached.
 *
 * A page of comments is parsed in one go (a thousand parser runs cost far more than one):
 * the bodies are joined by a separator, and the split is trusted only when every separator
 * ends up at the top level of the parsed fragment — then all of a body's nodes lie between
 * its two separators, because an element still open at a separator would contain it. Any
 * other count of separators (a body that leaves an element open, or one that carries a
 * separator of its own, which a correct server never sends) and each body is parsed alone.
 * Everything else in the widget (names, websites, dates, messages) is set with textContent
 * or setAttribute.
 */
export function insertSanitisedHtml(items: [target: Element, html: string][]): void {
  template.innerHTML = items.map((item) => item[1]).join(SEPARATOR)
  const content = template.content
  const many = items.length > 1
  const separators = many ? Array.from(content.querySelectorAll('hr[data-porch-split]')) : []
  if (many && (separators.length !== items.length - 1 || separators.some((hr) => hr.parentNode !== content))) {
    for (const item of items) insertSanitisedHtml([item])
    return
  }
  allowListed(content) // strips the separators' attribute too: they are known by reference
  items.forEach(([target], i) => {
    const part = document.createDocumentFragment()
    const end = separators[i] || null
    while (content.firstChild && content.firstChild !== end) part.append(content.firstChild)
    if (end) end.remove()
    target.replaceChildren(part)
  })
}

/** An http(s) address or null: a commenter's website never becomes a javascript: link. */
export const webAddress = (url: string | null | undefined): string | null =>
  url && /^https?:\/\//i.test(url) ? url : null
