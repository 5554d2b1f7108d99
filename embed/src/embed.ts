// <script src="https://porch.example/embed.js" data-porch-site="KEY" async></script>
import { readConfig, scriptElement } from './config'
import { mount } from './thread'

const script = scriptElement()
if (script) {
  const cfg = readConfig(script)
  const start = (): void => { mount(cfg, script) }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
  else start()
}
