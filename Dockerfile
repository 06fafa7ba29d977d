# streetsense: one image for the broker, the ingest (with register and API) and the simulator.
# Multi-stage: dependencies and the TypeScript build in a full image, a slim non-root runtime.
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production STREETSENSE_DATA_DIR=/data
WORKDIR /app
RUN groupadd --system streetsense && useradd --system --gid streetsense --home /app streetsense \
  && mkdir -p /data && chown streetsense:streetsense /data
COPY --from=build --chown=streetsense:streetsense /app/node_modules ./node_modules
COPY --from=build --chown=streetsense:streetsense /app/dist ./dist
COPY --from=build --chown=streetsense:streetsense /app/package.json ./package.json
COPY --from=build --chown=streetsense:streetsense /app/schemas ./schemas
COPY --from=build --chown=streetsense:streetsense /app/dashboards ./dashboards
USER streetsense
VOLUME ["/data"]
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["--help"]
