// Building the widget: DOM APIs and textContent only, except sanitisedBodies below.

type Child = Node | string | null | undefined | false
type Props = Record<string, string | number | boolean | null | undefined>

/** h('button', {class: 'x'}, 'text') — attributes via setAttribute, text as text nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const key in props) {
    const value = props[key]
    if (value != null && value !== false) el.setAttribute(key, value === true ? '' : '' + value)
  }
  for (const child of children) if (child) el.append(child) // '' adds nothing either
  return el
}

const ALLOWED_TAGS = new Set(
  'P BR A EM STRONG DEL S CODE PRE BLOCKQUOTE UL OL LI HR H1 H2 H3 H4 H5 H6'.split(' '))
const ALLOWED_ATTRIBUTES: Record<string, string[]> = { A: ['href', 'title', 'rel'], OL: ['start'] }
const SAFE_URL = /^(https?:|mailto:)/i

const template = document.createElement('template')

function allowListed(elements: ArrayLike<Element>): void {
  for (let i = 0; i < elements.length; i++) {
    const node = elements[i]
    if (!ALLOWED_TAGS.has(node.tagName)) {
      // An unknown element is replaced by its text, so nothing a commenter wrote silently vanishes.
      node.replaceWith(node.textContent || '')
      continue
    }
    if (node.hasAttributes()) {
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
 * Returns one <div class="x"> per html holding its body, not yet in the page.
 *
 * A page of comments is parsed in one go (a thousand parser runs cost far more than one),
 * each body inside its own <div class="x">. The server never emits a div (it is not in its
 * allow-list), so a body can only leave its box by closing it, which leaves another number of
 * top-level nodes than bodies. Then — a server that misbehaves — each body is parsed alone and
 * boxed with DOM calls. Everything else in the widget (names, websites, dates, messages) is
 * set with textContent or setAttribute.
 */
export function sanitisedBodies(htmls: string[]): HTMLElement[] {
  template.innerHTML = '<div class="x">' + htmls.join('</div><div class="x">') + '</div>'
  const content = template.content
  if (content.childNodes.length === htmls.length && content.childElementCount === htmls.length) {
    allowListed(content.querySelectorAll('div *')) // inside the boxes, not the boxes themselves
    return Array.from(content.children) as HTMLElement[]
  }
  return htmls.map((html) => {
    template.innerHTML = html
    allowListed(template.content.querySelectorAll('*'))
    const box = h('div', { class: 'x' })
    box.append(template.content)
    return box
  })
}

/** An http(s) address or null: a commenter's website never becomes a javascript: link. */
export const webAddress = (url: string | null | undefined): string | null =>
  url && /^https?:\/\//i.test(url) ? url : null
