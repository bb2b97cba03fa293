# SalesRelay container image: the app (default command) and the worker (`node --import tsx src/worker.ts`).
# Build: docker build -t salesrelay .   Run with compose.yaml, or see docs/operations.md "Containers".

# 1. Production dependencies only; patch-package (postinstall) applies patches/ to them.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 2. The runtime: Node, pg_dump for backups (PostgreSQL 15 client), tini to pass signals on, a non-root user.
FROM node:20-bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends postgresql-client tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data \
    BACKUP_DIR=/backups
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY migrations ./migrations
COPY src ./src
COPY adapters ./adapters
RUN mkdir -p /data /backups && chown node:node /data /backups
USER node
EXPOSE 3000
VOLUME ["/data", "/backups"]
# Alive: /healthz. Readiness (database, Redis, platform connections) is /readyz, for the orchestrator.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# tini forwards SIGTERM to Node, which stops gracefully within SHUTDOWN_TIMEOUT_MS.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--import", "tsx", "src/main.ts", "--no-demo"]
