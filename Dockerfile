# polysim in a container: Node 26 (slim), built in one stage, run as the unprivileged `node` user in another.
#   docker build -t polysim .          (or podman build)
#   docker run --rm -p 8080:8080 -p 8443:8443 -p 5060:5060/udp -p 5060:5060/tcp -p 5061:5061 -p 8790:8790 polysim
# It listens on 0.0.0.0, so the control API demands a token: the one printed at start, or --control-token.
# A fleet from a file: examples/compose.yaml. test/container.test.ts builds and runs this file (with a local
# stand-in for the base image: scripts/container-base.sh).
ARG NODE_IMAGE=node:26-slim
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# better-sqlite3 builds from source where no prebuilt binary can be fetched: it needs python3, make and g++
# (a base image that already has them skips the download).
RUN command -v python3 >/dev/null && command -v make >/dev/null && command -v g++ >/dev/null \
 || (apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*)
# npm settings for the build, for example --build-arg NPM_CONFIG_REGISTRY=https://npm.example.internal/
# (the tests build with --network none and NPM_CONFIG_OFFLINE=true, from npm's cache).
ARG NPM_CONFIG_REGISTRY=https://registry.npmjs.org/
ARG NPM_CONFIG_OFFLINE=false
# Dependencies first, in a layer of their own: a change to the sources does not install them again.
COPY package.json package-lock.json ./
COPY packages/client/package.json ./packages/client/
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3 esbuild
COPY tsconfig.base.json tsconfig.json tsconfig.build.json ./
COPY packages/client/tsconfig.json ./packages/client/
COPY packages/client/src ./packages/client/src
COPY scripts ./scripts
COPY src ./src
COPY ui ./ui
COPY bin ./bin
RUN npm run build && npm prune --omit=dev

FROM ${NODE_IMAGE}
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# The SDK package the CLI's ctl uses (node_modules/@polysim/client links to it).
COPY --from=build /app/packages/client/package.json ./packages/client/
COPY --from=build /app/packages/client/dist ./packages/client/dist
RUN mkdir /data && chown node:node /data
USER node
# HTTP, HTTPS, SIP (UDP and TCP), SIP over TLS, the control API.
EXPOSE 8080 8443 5060/udp 5060/tcp 5061 8790
VOLUME /data
ENTRYPOINT ["node", "bin/polysim.js"]
CMD ["start", "--address", "0.0.0.0", "--data-dir", "/data"]
