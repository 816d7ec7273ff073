# syntax=docker/dockerfile:1
# The bridge alone: emulators, demo and tests stay in the source tree (packages/, test/).

# Compiles src/ and adapters/ to dist/ (TypeScript is a dev dependency, so this stage installs everything).
FROM node:24-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY packages/emulators/package.json packages/emulators/
COPY packages/demo/package.json packages/demo/
RUN npm ci --ignore-scripts
COPY src ./src
COPY adapters ./adapters
RUN npm run build

# Production dependencies only, from the root manifest alone: the local packages are dev dependencies.
# The compilers are here for better-sqlite3 when no prebuilt binary fits the platform.
FROM node:24-bookworm-slim AS deps
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    DATABASE_URL=sqlite:/data/flex-bridge.db \
    PORT=3000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/adapters ./dist/adapters
COPY config ./config
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# On SIGTERM the bridge stops intake and gives deliveries in flight up to 10 s: stop it with a longer
# timeout than that (docker stop -t 20, compose stop_grace_period, Kubernetes terminationGracePeriodSeconds).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/flex-bridge.js"]
CMD ["start"]
