# The Home Assistant app (add-on) image. The Supervisor builds it with the repository root as context;
# since Supervisor 2026.04 it no longer passes BUILD_FROM, so the base image is named here.
# Alpine 3.22 ships Node.js 22.
ARG BUILD_FROM=ghcr.io/home-assistant/base:3.22

# The install steps work on either kind of base, whichever package manager it has: Home Assistant's Alpine
# base (apk; what every user builds on) and a Debian base (apt-get; Home Assistant publishes those too). Node.js
# and npm come from that package manager unless the base already has Node >= 22 with npm, and its headers come
# with it (nodejs-dev, libnode-dev), so node-gyp compiles serialport's binding against the very Node that runs the
# add-on. Nothing else is downloaded at build time: only the base's packages and the npm registry.
#
# test/addon/image.test.ts builds this file for real (buildah, no Docker engine) on a Debian stand-in base
# (debootstrap + the official Node 22 build; the Alpine base cannot be pulled on the CI machines) and starts the
# image: it proves the COPY paths, the npm steps, the binding build, the CMD, the HEALTHCHECK and SIGTERM, but not
# musl nor Alpine's own Node package (system OpenSSL, ICU and zlib; the headers from nodejs-dev, which has uv.h as
# Alpine keeps libuv bundled). Two things keep that risk small: the apk branch only names packages, everything
# after it is the same commands on both bases; and the final stage loads the binding and starts the CLI during
# the build, so an Alpine-only breakage fails the build, not the add-on.
# Measured there (2 cores): the image 356 MB (the stand-in 336 MB, /app 19 MB), built in 25-50 s on a cached base
# (the base itself 35 s, once), first MQTT message 0.4 s and first energy value 1 s after the process starts.
FROM ${BUILD_FROM} AS build
RUN set -e; \
    if node -e 'process.exit(+process.versions.node.split(".")[0] >= 22 ? 0 : 1)' 2>/dev/null \
        && command -v npm >/dev/null; then node_apk="" node_deb=""; \
    else node_apk="nodejs nodejs-dev npm" node_deb="nodejs libnode-dev npm"; fi; \
    if command -v apk >/dev/null; then apk add --no-cache $node_apk make g++ python3 linux-headers; \
    else apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        $node_deb make g++ python3 && rm -rf /var/lib/apt/lists/*; fi; \
    node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' \
    || { echo "the add-on needs Node.js >= 20; this base has $(node --version 2>&1)" >&2; exit 1; }
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# serialport's prebuilt binding is unreliable on musl/ARM (serialport/bindings-cpp#139): build it here, against
# the headers beside the image's own node (npm_config_nodedir; without them node-gyp would download headers).
# node-gyp 11 is the one npm 10 bundles and runs on Node >= 20.5 (node-gyp 13 wants Node >= 22.22).
RUN nodedir="$(node -p 'require("path").resolve(process.execPath, "../..")')"; \
    if [ ! -f "$nodedir/include/node/node_version.h" ]; then \
        echo "no Node.js headers in $nodedir/include/node (Alpine: nodejs-dev, Debian: libnode-dev)" >&2; exit 1; fi; \
    rm -rf node_modules/@serialport/bindings-cpp/prebuilds \
    && cd node_modules/@serialport/bindings-cpp \
    && npm_config_nodedir="$nodedir" npx --yes --package=node-gyp@11 node-gyp rebuild
COPY tsconfig.json ./
COPY tools/build.mjs ./tools/
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM ${BUILD_FROM}
ARG BUILD_VERSION
ARG BUILD_ARCH
# The runtime only, by the build stage's rule, so it is the Node the binding was built against.
RUN if node -e 'process.exit(+process.versions.node.split(".")[0] >= 22 ? 0 : 1)' 2>/dev/null \
        && command -v npm >/dev/null; then :; \
    elif command -v apk >/dev/null; then apk add --no-cache nodejs; \
    else apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs \
        && rm -rf /var/lib/apt/lists/*; fi
WORKDIR /app
COPY --from=build /build/package.json ./package.json
COPY --from=build /build/node_modules ./node_modules
COPY --from=build /build/dist ./dist
# Fails the build, not the add-on, when the binding does not load here (libc, Node ABI) or the code does not start.
RUN node -e 'require("node-gyp-build")("/app/node_modules/@serialport/bindings-cpp")' \
    && node /app/dist/cli/main.js --version
# V8's flags, each measured on this app (Node 20 and 22, official glibc builds, 2 cores; the bridge with its web
# page, a pty as meter, Mosquitto; RSS next to a bare `node` with the same flags):
# --max-semi-space-size=1: a 1 MB young generation. Most garbage dies there; 2 or 4 MB did not lower the peak
#   under load (the old generation then grows less, the young one more) and only cost the extra pages.
# --max-old-space-size=64: a cap ~8 times the live heap (~7 MB); without the cap and a small young generation
#   V8 lets RSS climb past 100 MiB before collecting. 32 or 20 measured the same, so the headroom stays.
# --v8-pool-size=1: one V8 worker thread instead of one per core: nothing to gain from more on 2-4 cores, and a
#   thread less (its RSS difference is within the noise, ~1 MiB).
# --jitless: V8 interprets and never compiles to machine code: -5 to -9 MiB on Node 20 and -8 MiB on Node 22,
#   half of it the compilers' pages of the executable. At the meter's pace (a telegram every few seconds, 2400
#   baud) CPU per telegram is unchanged (~8 ms/telegram either way: nothing gets hot enough to be optimized);
#   only under an artificial flood of 500 telegrams/s is it +0.3 ms/telegram (0.4 -> 0.7) and p50 latency
#   +0.4 ms. It disables WebAssembly, which nothing here uses. It is on the CMD line, with --no-expose-wasm,
#   because node refuses --no-expose-wasm in NODE_OPTIONS and without it prints a warning at every start
#   ("disabling flag --expose_wasm") into the add-on's log, where it would only worry users.
# --bytecode-old-age=1: V8 drops the bytecode of a function that has not run since the last full collection
#   (default: after several), and compiles it again if it is called. What runs once (start-up, the options,
#   discovery) then leaves the heap, and what is flushed between two telegrams is compiled again. npm run bench,
#   Node 22: RSS at a meter's pace 57.9 -> 56.4 MiB (3 bridges each over 45 s: -1 MiB), for +0.9 ms CPU per
#   telegram (4.7 -> 5.6) and +0.1 ms/s when idle (0.09 -> 0.19). A V8 option: on the CMD line like --jitless.
# GLIBC_TUNABLES=glibc.malloc.trim_threshold=131072: glibc's malloc (a Debian BUILD_FROM; the systemd unit on
#   Raspberry Pi OS) returns the free memory at the top of its heap to the system only above a threshold, which
#   it raises to twice the largest block it has freed. V8's parser and compiler free blocks of a MB and more at
#   start-up, so glibc kept 1.5 MiB it had no use for. Setting the threshold to its own default keeps it there:
#   -1.1 MiB resident (3 bridges each, Node 22), CPU per telegram within the noise. musl (Alpine, the add-on's
#   base) ignores the variable and returns free memory on its own.
# Measured with `npm run bench` (bench/footprint.bench.ts reads these flags and GLIBC_TUNABLES from this file),
# from start-up through a meter's pace: Node 20 47.8 MiB (bare node with the same flags 38.8), Node 22 53.1-53.2
# MiB (bare 42.2); the add-on idle with its Home Assistant session and no meter 46.1 and 50.1-50.4. Of Node 22's
# 11 MiB above bare, ~7 are the node executable's own pages: the built-ins a web server, MQTT and AES need (http;
# net.Server.listen, which always loads cluster; crypto, which also starts OpenSSL) and the symbols the dynamic
# linker looks up for serialport's binding; the rest is V8's heap (its young generation alone ~2 MiB under load)
# and malloc. --max-lazy, --stack-size, --initial-old-space-size, --semi-space-growth-factor, --max-heap-size,
# --gc-memory-reducer-start-delay-ms, --single-threaded(-gc), --single-generation, UV_THREADPOOL_SIZE=1,
# MALLOC_ARENA_MAX and a one-file CommonJS bundle measured no lower there.
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-semi-space-size=1 --max-old-space-size=64 --v8-pool-size=1" \
    GLIBC_TUNABLES=glibc.malloc.trim_threshold=131072
# One Node process, no s6: Docker's init (config.yaml keeps init: true) reaps and forwards SIGTERM.
ENTRYPOINT []
CMD ["node", "--no-expose-wasm", "--jitless", "--bytecode-old-age=1", "/app/dist/addon/main.js"]
# The Supervisor shows the app as starting until the first health check passes: every 2 s while starting
# (--start-interval: Docker Engine >= 25 runs it; building this file needs Dockerfile syntax >= 1.6, in Docker >= 25),
# then once a minute.
HEALTHCHECK --interval=1m --timeout=5s --start-period=30s --start-interval=2s CMD curl -fsS http://127.0.0.1:8099/health || exit 1
LABEL io.hass.type="app" \
      io.hass.name="Smart Meter Bridge" \
      io.hass.version="${BUILD_VERSION}" \
      io.hass.arch="${BUILD_ARCH}" \
      org.opencontainers.image.title="Smart Meter Bridge" \
      org.opencontainers.image.description="Austrian smart meter (M-Bus customer interface) to Home Assistant via MQTT" \
      org.opencontainers.image.licenses="MIT"
