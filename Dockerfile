# One image for the Outpost manager and agent (the demo compose file runs both from it).
#   docker build -t outpost .
#   docker run -p 8090:8090 -v outpost-data:/var/lib/outpost outpost      # manager, embedded SQLite
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
# better-sqlite3 and argon2 are native addons: they compile here when no prebuilt binary fits.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Manifests first, so the dependency layer is reused while only sources change.
COPY package.json package-lock.json .npmrc ./
COPY libs/shared/package.json libs/shared/
COPY db/migrations/package.json db/migrations/
COPY apps/manager/package.json apps/manager/
COPY apps/agent/package.json apps/agent/
COPY apps/console/package.json apps/console/
RUN npm ci
COPY . .
# Builds shared, migrations, manager, agent and the console (apps/console/dist, served at `/`),
# then drops the build tools (TypeScript, Vite, Nx...) from node_modules.
RUN npm run build && npm prune --omit=dev && rm -rf .nx

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    OUTPOST_DATA_DIR=/var/lib/outpost
WORKDIR /app
COPY --from=build /app /app
# The manager keeps its SQLite file and generated secrets here when no database URL or secrets
# are given; the unprivileged `node` user of the base image owns it.
RUN mkdir -p /var/lib/outpost && chown node:node /var/lib/outpost
VOLUME ["/var/lib/outpost"]
USER node
EXPOSE 8090
CMD ["node", "apps/manager/dist/main.js"]
