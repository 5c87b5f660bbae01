# polysim in a container: Node 20 (slim), built in one stage, run as the unprivileged `node` user in another.
#   docker build -t polysim .
#   docker run --rm -p 8080:8080 -p 8443:8443 -p 5060:5060/udp -p 5060:5060/tcp -p 5061:5061 -p 8790:8790 polysim
# It listens on 0.0.0.0, so the control API demands a token: the one printed at start, or --control-token.
# A fleet from a file: examples/compose.yaml.
FROM node:20-slim AS build
WORKDIR /app
# better-sqlite3 builds from source where no prebuilt binary can be fetched.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.base.json tsconfig.json tsconfig.build.json ./
COPY packages/client/package.json packages/client/tsconfig.json ./packages/client/
COPY packages/client/src ./packages/client/src
COPY scripts ./scripts
COPY src ./src
COPY bin ./bin
RUN npm ci && npm prune --omit=dev

FROM node:20-slim
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
