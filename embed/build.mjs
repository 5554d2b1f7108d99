// Build the embed: `node build.mjs` (or `make embed` from the repository root).
// Two bundles into src/porch/web/static/: embed.js (widget, CSS inside) and count.js.
import { build } from 'esbuild'
import { readFileSync, statSync } from 'node:fs'
import { gzipSync } from 'node:zlib'

const out = '../src/porch/web/static'
const minifyCss = {
  name: 'css-text',
  setup(b) {
    // CSS is imported as a minified string and adopted into the shadow root at run time.
    b.onLoad({ filter: /\.css$/ }, async (args) => {
      const result = await build({ entryPoints: [args.path], bundle: true, minify: true, write: false, logLevel: 'silent' })
      return { contents: result.outputFiles[0].text.trim(), loader: 'text' }
    })
  },
}

// Our own long-lived property names are shortened too (a few hundred bytes of the budget).
// Only names that never meet JSON, query parameters, the DOM or a message key (en.ts) belong here.
const internal = ['nodes', 'sources', 'maxDepth', 'windowSeconds', 'remaining', 'loaded', 'sortBar', 'refreshTimes',
  'permalink', 'formClosed', 'nameOf', 'mine', 'editable', 'myVote', 'showMore', 'setTotal',
  'accountLine', 'proto', 'authors', 'bodies', 'depth', 'box', 'list', 'markRead', 'auth', 'cfg',
  'render', 'insert', 'update', 'live', 'posted', 'act', 'poll', 'load', 'root', 'statusLine', 'moreButton',
  'totalCount', 'nextPage', 'accountBox', 'failed']

await build({
  entryPoints: { embed: 'src/embed.ts', count: 'src/count.ts' },
  mangleProps: new RegExp(`^(${internal.join('|')})$`),
  outdir: out,
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome91', 'firefox90', 'safari14'],
  legalComments: 'none',
  charset: 'utf8',
  plugins: [minifyCss],
  banner: { js: '/* Porch (MIT), built from embed/ */' },
  // No "use strict" prologue (13 bytes gzipped): tsc checks the sources in strict mode, classes are
  // strict anyway, and nothing here depends on what sloppy mode would change at run time.
  tsconfigRaw: { compilerOptions: { alwaysStrict: false } },
})

for (const name of ['embed.js', 'count.js']) {
  const path = `${out}/${name}`
  const gzip = gzipSync(readFileSync(path), { level: 9 }).length
  console.log(`${name}: ${statSync(path).size} bytes, ${gzip} bytes gzipped`)
}
