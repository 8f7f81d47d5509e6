# Multi-stage: better-sqlite3 is compiled in the build stage; the runtime stage gets only
# production dependencies and the compiled JavaScript.
FROM node:22-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
COPY scripts/build.mjs ./scripts/
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    XUI_DB_PATH=/etc/x-ui/x-ui.db \
    BOT_DATA_PATH=/data/bot.db \
    BACKUP_DIR=/data/backups
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY package.json ./
# The panel's files belong to root on a stock install, so the default user is root; where
# x-ui.db is owned by another user, run the container as that user (compose `user:`).
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
CMD ["node", "dist/main.js"]
