# The Home Assistant app (add-on) image. The Supervisor builds it with the repository root as context;
# since Supervisor 2026.04 it no longer passes BUILD_FROM, so the base image is named here.
# Alpine 3.22 ships Node.js 22.
ARG BUILD_FROM=ghcr.io/home-assistant/base:3.22

FROM ${BUILD_FROM} AS build
RUN apk add --no-cache nodejs npm make g++ python3 linux-headers
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# serialport's prebuilt binding is unreliable on musl/ARM (serialport/bindings-cpp#139): build it here.
RUN rm -rf node_modules/@serialport/bindings-cpp/prebuilds \
    && cd node_modules/@serialport/bindings-cpp \
    && npx --yes node-gyp rebuild
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM ${BUILD_FROM}
ARG BUILD_VERSION
ARG BUILD_ARCH
RUN apk add --no-cache nodejs
WORKDIR /app
COPY --from=build /build/package.json ./package.json
COPY --from=build /build/node_modules ./node_modules
COPY --from=build /build/dist ./dist
# A 1 MB young generation and a 64 MB cap on the old one (the live heap is ~13 MB) keep the resident
# memory flat; without them V8 lets it climb past 100 MiB before collecting. npm run bench, official
# glibc builds: ~73 MiB on Node 20, ~86 MiB on Node 22 (of which ~31-37 MiB anonymous, the rest the
# executable's pages); not measured on Alpine's Node.
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-semi-space-size=1 --max-old-space-size=64 --v8-pool-size=1"
# One Node process, no s6: Docker's init (config.yaml keeps init: true) reaps and forwards SIGTERM.
ENTRYPOINT []
CMD ["node", "/app/dist/addon/main.js"]
HEALTHCHECK --interval=1m --timeout=5s --start-period=30s CMD curl -fsS http://127.0.0.1:8099/health || exit 1
LABEL io.hass.type="app" \
      io.hass.name="Smart Meter Bridge" \
      io.hass.version="${BUILD_VERSION}" \
      io.hass.arch="${BUILD_ARCH}" \
      org.opencontainers.image.title="Smart Meter Bridge" \
      org.opencontainers.image.description="Austrian smart meter (M-Bus customer interface) to Home Assistant via MQTT" \
      org.opencontainers.image.licenses="MIT"
