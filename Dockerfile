# calendar-gateway: `docker build -t calendar-gateway .`, then see docs/deployment.md.
#
# Base images are pinned by digest (the tag says which): refresh both together with
# `docker buildx imagetools inspect node:22-bookworm-slim` (and python:3.11-slim-bookworm).

# GraphiQL's files from the npm registry (pinned, lockfile committed): the IDE works offline.
FROM node:22-bookworm-slim@sha256:43ac6c60b8f89723f746e8a92ce91abd5017e627ce1ddfe4238355d3a30b772c AS graphiql
WORKDIR /graphiql
COPY src/calendar_gateway/static/graphiql/package.json src/calendar_gateway/static/graphiql/package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts

# The package and its locked dependencies (hashes required), in a virtual environment the
# runtime copies whole. The build backend is locked too, in a virtual environment of its own.
FROM python:3.11-slim-bookworm@sha256:a36c24f9cbdf4fd0f52d67f0823eeac19c2028c637cecc392d97f980d4fec56b AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY requirements/runtime.lock requirements/build.lock ./requirements/
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --require-hashes -r requirements/runtime.lock \
    && python -m venv /opt/build \
    && /opt/build/bin/pip install --no-cache-dir --require-hashes -r requirements/build.lock
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
# The wheel carries only the files GraphiQL's page loads (pyproject's hatch artifacts): no CDN.
COPY --from=graphiql /graphiql/node_modules ./src/calendar_gateway/static/graphiql/node_modules
# Our own wheel, built with the locked backend; its dependencies are installed already.
RUN /opt/build/bin/pip wheel --no-cache-dir --no-deps --no-build-isolation --wheel-dir /wheels . \
    && /opt/venv/bin/pip install --no-cache-dir --no-deps /wheels/calendar_gateway-*.whl

FROM python:3.11-slim-bookworm@sha256:a36c24f9cbdf4fd0f52d67f0823eeac19c2028c637cecc392d97f980d4fec56b AS runtime
RUN groupadd --system --gid 10001 gateway \
    && useradd --system --uid 10001 --gid gateway --no-create-home --shell /usr/sbin/nologin gateway
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CALENDAR_GATEWAY_HOST=0.0.0.0 \
    CALENDAR_GATEWAY_PORT=8000
# SIGTERM drains (README, Operations): give `docker stop` the time, e.g. --time 60.
STOPSIGNAL SIGTERM
USER 10001:10001
EXPOSE 8000
# Python's own urllib: the slim image has no curl, and needs none.
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['CALENDAR_GATEWAY_PORT'], timeout=4)"]
ENTRYPOINT ["calendar-gateway", "serve"]
