# Multi-stage: better-sqlite3 is compiled in the build stage; the runtime stage gets only
# production dependencies and the compiled JavaScript. What the build context holds:
# .dockerignore.
FROM node:22-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
COPY scripts/build.mjs ./scripts/
# npm ci builds dist/ too (the `prepare` script).
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:22-bookworm-slim
# TZ: dates in replies; Node carries its own time zone data, so any zone name works here.
ENV NODE_ENV=production \
    XUI_DB_PATH=/etc/x-ui/x-ui.db \
    DATA_DIR=/data \
    TZ=UTC
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# The font the charts are drawn in (with its license).
COPY assets ./assets
COPY package.json ./
# The panel's files belong to root on a stock install, so the default user is root; where
# x-ui.db and its folder belong to another user, run the container as that user (compose
# `user:`): the node user (1000) owns /data for that case.
RUN mkdir -p /data && chown node:node /data && chmod 0700 /data
VOLUME ["/data"]
# The database opens, the bot polled Telegram within HEALTH_MAX_AGE_MS (2 min), the API answers
# if API_TOKEN is set: no curl, no token. The first poll may take 30 s after start.
HEALTHCHECK --interval=60s --timeout=20s --start-period=60s --retries=3 CMD ["node", "bin/xui-admin.js", "health"]
# The same V8 young generation as `npm start` and the systemd unit (README, Performance).
CMD ["node", "--max-semi-space-size=2", "dist/main.js"]
