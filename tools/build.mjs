// The shipped build: `run`, the add-on and every CLI command as one minified bundle with shared chunks, so that
// a command loads only what it imports. Measured with the Dockerfile's NODE_OPTIONS, the bundle keeps the
// running bridge ~9 MiB smaller than tsc's one-file-per-module output: fewer module records, and minified
// source text, which V8 keeps for every loaded function.
// esbuild splits into chunks only for ES modules, so it builds those first, then turns each file into a
// CommonJS one (its imports into require calls): Node then runs the bridge without its ES-module loader, and
// without `module` for a require of its own, ~0.5 MiB resident on Node 22 (bench/footprint.bench.ts).
// Type checking is `npm run typecheck`'s job; esbuild only strips the types.
import { chmodSync, copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const nodeRequire = createRequire(import.meta.url);
/**
 * For the stand-ins below: a package MQTT.js depends on, from MQTT.js's own folder at run time, so that it is
 * MQTT.js's version even where npm nests it under node_modules/mqtt.
 */
const requireFromMqtt =
  "(name) => require(require.resolve(name, { paths: [require('node:path').dirname(require.resolve('mqtt/package.json'))] }))";

/**
 * A module that `importer` requires as it loads but uses only later, if at all, stood in for by one that loads
 * it at its first use. `exports` writes the stand-in's exports on `load()`, which returns the module;
 * `requireWith` loads it at run time (from node_modules or Node) and `bundled` resolves it instead to a file
 * of the bundle, which then only runs at that first use.
 */
function atFirstUse(name, { filter, importer, exports, requireWith = 'require', bundled }) {
  return {
    name,
    setup(b) {
      b.onResolve({ filter }, (args) => {
        if (args.namespace === name) return { path: args.path, external: true };
        if (!importer.test(args.importer)) return undefined;
        return { path: bundled === undefined ? args.path : bundled(args), namespace: name };
      });
      b.onLoad({ filter: /.*/, namespace: name }, (args) => ({
        contents: `let m; const load = () => (m ??= (${requireWith})(${JSON.stringify(args.path)}));\n${exports(args.path)}`,
        loader: 'js',
        ...(bundled === undefined ? {} : { resolveDir: dirname(args.path) }),
      }));
    },
  };
}

/** Stand-in exports that call the module's own functions of these names. */
const callsTo = (...names) => names.map((n) => `exports.${n} = (...a) => load().${n}(...a);`).join('\n');

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

rmSync('dist', { recursive: true, force: true });
// The ES modules go to a folder of this checkout, under the same name each time: the source maps name it
// for esbuild's own helpers, and a random temporary name would make every build's maps differ.
const modules = join('node_modules', '.cache', 'smartmeter-bridge-modules');
rmSync(modules, { recursive: true, force: true });
await build({
  entryPoints: ['src/cli/main.ts', 'src/addon/main.ts'],
  outbase: 'src',
  outdir: modules,
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
  // readable-stream (MQTT.js's and bl's streams) is a copy of Node's own stream module for browsers, ~200 KB
  // of source with its polyfills; in Node the module it copies is already loaded.
  alias: { 'readable-stream': 'node:stream' },
  plugins: [
    {
      // Node's built-ins as require() instead of import, and only the names the code imports. A built-in
      // imported as an ES module gets a namespace that reads every export once, and so also what Node loads
      // only when read: `fs` fs/promises (with readline and the file watchers), `util` its diff (colors,
      // myers_diff) and setTraceSigInt (worker_threads), `http` undici and its WebAssembly. esbuild's own
      // CommonJS interop would read them too (it asks each property's descriptor). Each name here is read
      // through a pure call, so esbuild drops the names nobody imports; ~4 MiB resident on Node 22
      // (bench/footprint.bench.ts).
      name: 'builtins-by-require',
      setup(b) {
        // A require() of a built-in stays one: esbuild would give it this module's exports as an object,
        // reading every name (on Node 22 http's WebSocket, which loads undici).
        b.onResolve({ filter: /^node:/ }, (args) =>
          args.namespace === 'builtin' ||
          args.kind !== 'import-statement' ||
          !/[\\/]src[\\/]/.test(args.importer)
            ? { path: args.path, external: true }
            : { path: args.path, namespace: 'builtin' },
        );
        b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({
          contents: [
            `const builtin = require(${JSON.stringify(args.path)});`,
            'const read = (name) => builtin[name];',
            'export default builtin;',
            ...Object.keys(nodeRequire(args.path))
              .filter((name) => name !== 'default')
              .flatMap((name, i) => [
                `const e${i} = /* @__PURE__ */ read(${JSON.stringify(name)});`,
                `export { e${i} as ${JSON.stringify(name)} };`,
              ]),
          ].join('\n'),
          loader: 'js',
        }));
      },
    },
    // MQTT.js's SOCKS connector (lazy-mqtt-socks below) requires the `socks` package (with ip-address and
    // smart-buffer, ~70 KB), used only for a proxy named in MQTTJS_SOCKS_PROXY: it stays out of the bundle and
    // comes from node_modules at its first use.
    atFirstUse('lazy-socks', {
      filter: /^socks$/,
      importer: /[\\/]node_modules[\\/]mqtt[\\/]/,
      requireWith: requireFromMqtt,
      exports: () => 'module.exports = { get SocksClient() { return load().SocksClient; } };',
    }),
    // Two more of MQTT.js's packages, loaded with it and used only when: worker-timers (with its worker
    // broker and a regenerator runtime) runs a browser's timers, lru-cache keeps MQTT 5 topic aliases,
    // which the bridge does not ask for. Both read the global `performance` as they load, which loads
    // perf_hooks (~0.4 MiB resident on Node 22). Each comes from node_modules at its first use instead.
    atFirstUse('lazy-mqtt-helpers', {
      filter: /^(worker-timers|lru-cache)$/,
      importer: /[\\/]node_modules[\\/]mqtt[\\/]/,
      requireWith: requireFromMqtt,
      exports: (path) =>
        path === 'lru-cache'
          ? 'exports.LRUCache = function LRUCache(options) { return new (load().LRUCache)(options); };'
          : callsTo('setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'),
    }),
    // MQTT.js requires its WebSocket and TLS transports when it connects, whatever the URL, and with them ws,
    // tls, https and zlib: ~4 MiB resident on Node 22 for a bridge on mqtt://. Each is loaded at its first
    // use instead (a ws:// or mqtts:// broker URL).
    atFirstUse('lazy-mqtt-transports', {
      filter: /^\.\/(ws|tls)$/,
      importer: /[\\/]mqtt[\\/]build[\\/]lib[\\/]connect[\\/]index\.js$/,
      bundled: (args) => join(args.resolveDir, `${args.path}.js`),
      exports: () =>
        `exports.__esModule = true;\n${callsTo('default', 'streamBuilder', 'browserStreamBuilder')}`,
    }),
    // MQTT.js's SOCKS connector, required by its TCP and TLS transports, loads dns and assert as it loads
    // (~0.9 MiB resident on Node 22), for a proxy named in MQTTJS_SOCKS_PROXY; loaded at first use instead.
    atFirstUse('lazy-mqtt-socks', {
      filter: /^\.\/socks$/,
      importer: /[\\/]mqtt[\\/]build[\\/]lib[\\/]connect[\\/](tcp|tls)\.js$/,
      bundled: (args) => join(args.resolveDir, `${args.path}.js`),
      exports: () => `exports.__esModule = true;\n${callsTo('default')}`,
    }),
    // serialport lists ports by running udevadm: child_process (which loads dgram) at the first listing.
    atFirstUse('lazy-child-process', {
      filter: /^child_process$/,
      importer: /[\\/]@serialport[\\/]bindings-cpp[\\/]dist[\\/]linux-list\.js$/,
      exports: () => callsTo('spawn'),
    }),
    {
      // serialport's entry point also loads its ten stream parsers and its mock binding; the bridge imports
      // only the SerialPort class, from the file that defines it.
      name: 'serialport-class',
      setup(b) {
        b.onResolve({ filter: /^serialport$/ }, (args) =>
          /[\\/]src[\\/]/.test(args.importer)
            ? { path: nodeRequire.resolve('serialport/dist/serialport.js') }
            : undefined,
        );
      },
    },
    // debug, in MQTT.js, mqtt-packet and serialport, writes only for the namespaces in DEBUG, which it reads
    // as it loads; to decide on colours it also loads tty, os and supports-color. Without DEBUG it is not
    // loaded and each logger it would have made does nothing; with DEBUG it comes from node_modules.
    atFirstUse('debug-when-asked', {
      filter: /^debug$/,
      importer: /[\\/]node_modules[\\/]/,
      requireWith: requireFromMqtt,
      exports: () =>
        'const quiet = Object.assign(() => {}, { enabled: false });\n' +
        'module.exports = process.env.DEBUG ? load() : () => quiet;',
    }),
    {
      // serialport's JavaScript is bundled like the rest (as separate CommonJS packages loaded through Node's
      // ES-module loader they cost ~3 MiB more resident on Node 22); its native binding stays in
      // node_modules, where the image builds it, and is found there from the bundle's chunk instead of
      // from the package's own folder.
      name: 'serialport-binding',
      setup(b) {
        b.onLoad(
          { filter: /[\\/]@serialport[\\/]bindings-cpp[\\/]dist[\\/]serialport-bindings\.js$/ },
          (args) => {
            const source = readFileSync(args.path, 'utf8');
            const from = "(0, path_1.join)(__dirname, '../')";
            if (!source.includes(from))
              throw new Error(`${args.path}: the binding's folder is no longer ${from}`);
            return {
              contents: source.replace(
                from,
                "require('node:path').dirname(require.resolve('@serialport/bindings-cpp/package.json'))",
              ),
              loader: 'js',
            };
          },
        );
      },
    },
    // ws requires https, tls and zlib when it loads, for wss:// URLs and compressed messages: ~3 MiB resident
    // on Node 22 in the add-on, whose Home Assistant session speaks ws:// to the Supervisor without
    // compression (ha-connection.ts). Each is loaded at its first use instead.
    atFirstUse('lazy-ws-builtins', {
      filter: /^(https|tls|zlib)$/,
      importer: /[\\/]node_modules[\\/]ws[\\/]lib[\\/]/,
      exports: () =>
        'module.exports = new Proxy({}, { get: (_, name) => load()[name], has: (_, name) => name in load() });',
    }),
    {
      // src/net/node-http.ts makes itself a require to load node:http without import (under tsx, in tests);
      // the bundle is CommonJS and has one.
      name: 'node-http',
      setup(b) {
        b.onLoad({ filter: /[\\/]src[\\/]net[\\/]node-http\.ts$/ }, () => ({
          contents:
            "export const http = require('node:http');\nexport const https = () => require('node:https');",
          loader: 'js',
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

// Each ES module of the bundle as a CommonJS file in dist: its imports become require calls, import() a
// require when it is reached, so a chunk still loads only when its code first runs. The source maps chain
// through to src/. The ES modules were strict, so every file stays so.
const files = readdirSync(modules, { recursive: true }).map(String);
const converted = await build({
  entryPoints: files.filter((f) => f.endsWith('.js')).map((f) => join(modules, f)),
  outbase: modules,
  outdir: 'dist',
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  supported: { 'dynamic-import': false },
  minify: true,
  sourcemap: 'linked',
  banner: { js: '"use strict";' },
  logLevel: 'warning',
});
if (converted.warnings.length > 0) throw new Error('converting the bundle to CommonJS warned: see above');
for (const f of files.filter((f) => f.endsWith('.LEGAL.txt')))
  copyFileSync(join(modules, f), join('dist', f));
rmSync(modules, { recursive: true, force: true });
// package.json says "module" for src/ and tools/; dist/ is CommonJS.
writeFileSync('dist/package.json', `${JSON.stringify({ type: 'commonjs' })}\n`);
chmodSync('dist/cli/main.js', 0o755);
