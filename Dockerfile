# The Contamap API, served on 8000 with one worker per core. The same image runs the one-off
# job scripts/prestart.sh (wait for the database, migrate, load when empty) before it.

# MapLibre GL JS, Swagger UI and Redoc from the npm registry (pinned in web/package-lock.json);
# only the files served.
FROM node:20-bookworm-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json web/copy-vendor.mjs ./
RUN npm ci --omit=dev --no-audit --no-fund && mkdir -p ../app/static && node copy-vendor.mjs

FROM python:3.11-slim-bookworm
WORKDIR /srv/contamap
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1

COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY geodata ./geodata
COPY migrations ./migrations
COPY scripts/prestart.sh ./scripts/prestart.sh
COPY --from=web /app/static/vendor ./app/static/vendor
# Editable, so alembic.ini, migrations/ and geodata/data/ are found beside the package.
RUN pip install -e . && useradd --system --home /srv/contamap contamap
USER contamap

EXPOSE 8000
CMD ["contamap", "serve", "--host", "0.0.0.0", "--port", "8000"]
