// The shipped build: `run`, the add-on and every CLI command as one minified ES module bundle with shared
// chunks, so that a command loads only what it imports. Measured with the Dockerfile's NODE_OPTIONS, the
// bundle keeps the running bridge ~9 MiB smaller than tsc's one-file-per-module output: fewer module
// records, and minified source text, which V8 keeps for every loaded function.
// Type checking is `npm run typecheck`'s job; esbuild only strips the types.
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: ['src/cli/main.ts', 'src/addon/main.ts'],
  outbase: 'src',
  outdir: 'dist',
  // Chunks beside the entry points' folders, so that every file of the bundle sits one level below package.json.
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  // serialport loads its native binding at run time from its own package folder.
  external: ['serialport', '@serialport/*'],
  // The CommonJS dependencies (mqtt's, ws) require Node's built-ins: an ES module has no `require` of its own.
  banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  plugins: [
    {
      // MQTT.js loads the `socks` package (with ip-address and smart-buffer, ~70 KB) with its TCP transport,
      // but uses it only for a proxy named in MQTTJS_SOCKS_PROXY: then it comes from node_modules, at first use.
      name: 'lazy-socks',
      setup(b) {
        b.onResolve({ filter: /^socks$/ }, (args) =>
          args.namespace === 'lazy-socks'
            ? { path: 'socks', external: true }
            : { path: 'socks', namespace: 'lazy-socks' },
        );
        b.onLoad({ filter: /.*/, namespace: 'lazy-socks' }, () => ({
          contents:
            "let socks; module.exports = { get SocksClient() { return (socks ??= require('socks')).SocksClient; } };",
          loader: 'js',
        }));
      },
    },
    {
      // MQTT.js requires its WebSocket and TLS transports when it connects, whatever the URL, and with them ws,
      // tls, https and zlib: ~4 MiB resident on Node 22 for a bridge on mqtt://. Each is loaded at its first
      // use instead (a ws:// or mqtts:// broker URL).
      name: 'lazy-mqtt-transports',
      setup(b) {
        b.onResolve({ filter: /^\.\/(ws|tls)$/ }, (args) =>
          /[\\/]mqtt[\\/]build[\\/]lib[\\/]connect[\\/]index\.js$/.test(args.importer)
            ? { path: join(args.resolveDir, `${args.path}.js`), namespace: 'lazy-mqtt-transport' }
            : undefined,
        );
        b.onLoad({ filter: /.*/, namespace: 'lazy-mqtt-transport' }, (args) => ({
          contents: [
            `let t; const load = () => (t ??= require(${JSON.stringify(args.path)}));`,
            'exports.__esModule = true;',
            ...['default', 'streamBuilder', 'browserStreamBuilder'].map(
              (name) => `exports.${name} = (...a) => load().${name}(...a);`,
            ),
          ].join('\n'),
          loader: 'js',
          resolveDir: dirname(args.path),
        }));
      },
    },
    {
      // src/version.ts reads ../package.json relative to its own file, which a chunk is not: the version is
      // the package's at build time.
      name: 'version',
      setup(b) {
        b.onLoad({ filter: /[\\/]src[\\/]version\.ts$/ }, () => ({
          contents: `export const VERSION = ${JSON.stringify(pkg.version)};`,
          loader: 'ts',
        }));
      },
    },
  ],
  logLevel: 'warning',
});
chmodSync('dist/cli/main.js', 0o755);
