# One image for every Vigil process (ingest, api, simulate, start); the command picks the role.
# Used by docker-compose.yml; see docs/deploy.md.

# Build: all dependencies (the dashboard needs Vite and Svelte; better-sqlite3 may compile).
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# The lockfile alone first, so a source change does not reinstall every dependency.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Then every devDependency goes (npm prune --omit=dev): the build tools (Vite, Svelte, Chart.js,
# which end up bundled in dashboard/dist), pino-pretty (the logs are JSON lines here) and the test
# and type-checking tools. The runtime loads TypeScript through tsx, a dependency.
# tests/unit/tooling/runtime-deps.test.ts checks that runtime code imports only dependencies.
RUN npx vite build --config dashboard/vite.config.ts \
 && npm prune --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# Runtime: no compilers, no dev dependencies, not root.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    SQLITE_PATH=/data/vigil.db
# Owned by root and read-only for the node user: a compromised process cannot rewrite the code.
COPY --from=build /app /app
# A named volume mounted at /data starts with this directory's owner, so the node user can write it.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080
# The role comes from the command (see scripts/healthcheck.mjs); compose sets its own per service.
HEALTHCHECK --interval=15s --timeout=6s --start-period=30s --retries=3 CMD ["node", "scripts/healthcheck.mjs"]
ENTRYPOINT ["node", "scripts/run.mjs"]
CMD ["start"]
