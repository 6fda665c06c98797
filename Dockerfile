# The Contamap API: migrates, loads the bundled dataset and serves on port 8000.
FROM python:3.11-slim-bookworm

WORKDIR /srv/contamap
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY geodata ./geodata
COPY migrations ./migrations
COPY web ./web
RUN pip install -e . \
    && (cd web && npm ci --no-audit --no-fund) \
    && mkdir -p app/static/vendor \
    && cp web/node_modules/maplibre-gl/dist/maplibre-gl.js web/node_modules/maplibre-gl/dist/maplibre-gl.css app/static/vendor/ \
    && rm -rf web/node_modules

EXPOSE 8000
CMD ["sh", "-c", "contamap migrate && contamap load && contamap serve --host 0.0.0.0 --port 8000"]
