# Tobira on Node.js 24 LTS (the major in .nvmrc, the runtime the tests run on first), running the compiled JavaScript
# (`npm run build` → dist/): no TypeScript compiler at start, less memory. Set TOBIRA_ISSUER to the public URL.
#   docker build -t tobira . && docker run -p 8443:8443 -e TOBIRA_ISSUER=https://login.example.jp -v tobira:/var/lib/tobira tobira
# CLI commands in a running container: docker exec <container> node bin/tobira.js <command>
FROM node:24-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 (and argon2) compile from source when no prebuilt binary matches.
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# All dependencies to build (typescript is a dev dependency); pruned to the runtime ones afterwards.
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs ./scripts/
COPY src ./src
COPY interactions ./interactions
COPY adapters ./adapters
COPY certs ./certs
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
WORKDIR /app
# V8's heap sizes (src/cluster/worker-env.ts: SEMI_SPACE_MIB, OLD_SPACE_MIB): the primary gives them to
# each worker it forks, but a single process (TOBIRA_WORKERS=1: one CPU, FerretDB) can only get them when
# it starts. Your own NODE_OPTIONS replaces these (test/cluster/worker-env.test.ts keeps them in step).
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-semi-space-size=8 --max-old-space-size=512" \
    TOBIRA_DATA_DIR=/var/lib/tobira \
    TOBIRA_HOST=0.0.0.0 \
    TOBIRA_PORT=8443
COPY --from=build /app/node_modules ./node_modules
# package.json for "type": "module"; no src/ in the image, so bin/tobira.js runs dist/ too.
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
RUN mkdir -p /var/lib/tobira && chown node:node /var/lib/tobira
USER node
VOLUME ["/var/lib/tobira"]
EXPOSE 8443
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD node -e "require('https').get({host:'127.0.0.1',port:process.env.TOBIRA_PORT||8443,path:'/healthz',rejectUnauthorized:false},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"
CMD ["node", "bin/tobira.js", "start"]
