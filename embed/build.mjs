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

await build({
  entryPoints: { embed: 'src/embed.ts', count: 'src/count.ts' },
  outdir: out,
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome90', 'firefox90', 'safari14'],
  legalComments: 'none',
  charset: 'utf8',
  plugins: [minifyCss],
  banner: { js: '/* Porch embed — MIT — built by `make embed` from embed/src */' },
})

for (const name of ['embed.js', 'count.js']) {
  const path = `${out}/${name}`
  const gzip = gzipSync(readFileSync(path), { level: 9 }).length
  console.log(`${name}: ${statSync(path).size} bytes, ${gzip} bytes gzipped`)
}
