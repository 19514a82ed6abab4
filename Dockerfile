# Tobira on Node.js 22 LTS (oidc-provider's supported runtime). TypeScript runs through tsx at start
# (a runtime dependency on purpose), so there is no build step. Set TOBIRA_ISSUER to the public URL.
#   docker build -t tobira . && docker run -p 8443:8443 -e TOBIRA_ISSUER=https://login.example.jp -v tobira:/var/lib/tobira tobira
FROM node:22-bookworm-slim AS deps
WORKDIR /app
# better-sqlite3 (and argon2) compile from source when no prebuilt binary matches.
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    TOBIRA_DATA_DIR=/var/lib/tobira \
    TOBIRA_HOST=0.0.0.0 \
    TOBIRA_PORT=8443
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY interactions ./interactions
COPY adapters ./adapters
COPY certs ./certs
RUN mkdir -p /var/lib/tobira && chown node:node /var/lib/tobira
USER node
VOLUME ["/var/lib/tobira"]
EXPOSE 8443
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD node -e "require('https').get({host:'127.0.0.1',port:process.env.TOBIRA_PORT||8443,path:'/healthz',rejectUnauthorized:false},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"
CMD ["node", "--import", "tsx", "src/cli/main.ts", "start"]
