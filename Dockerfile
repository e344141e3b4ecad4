# calendar-gateway: `docker build -t calendar-gateway .`, then see docs/deployment.md.

# GraphiQL's files from the npm registry (pinned, lockfile committed): the IDE works offline.
FROM node:22-bookworm-slim AS graphiql
WORKDIR /graphiql
COPY src/calendar_gateway/static/graphiql/package.json src/calendar_gateway/static/graphiql/package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts

# The package and its pinned dependencies, in a virtual environment the runtime copies whole.
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
# The wheel carries only the files GraphiQL's page loads (pyproject's hatch artifacts): no CDN.
COPY --from=graphiql /graphiql/node_modules ./src/calendar_gateway/static/graphiql/node_modules
RUN /opt/venv/bin/pip install --no-cache-dir .

FROM python:3.11-slim-bookworm AS runtime
RUN groupadd --system --gid 10001 gateway \
    && useradd --system --uid 10001 --gid gateway --no-create-home --shell /usr/sbin/nologin gateway
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CALENDAR_GATEWAY_HOST=0.0.0.0 \
    CALENDAR_GATEWAY_PORT=8000
USER 10001:10001
EXPOSE 8000
# Python's own urllib: the slim image has no curl, and needs none.
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['CALENDAR_GATEWAY_PORT'], timeout=4)"]
ENTRYPOINT ["calendar-gateway", "serve"]
