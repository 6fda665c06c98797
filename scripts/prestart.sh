#!/usr/bin/env sh
# The container's start: wait for the database, migrate, load the bundled data, serve.
set -eu
tries=0
until python -c 'from sqlalchemy import create_engine, text
from app.core.config import get_settings
with create_engine(get_settings().sqlalchemy_url).connect() as c: c.execute(text("SELECT 1"))' 2>/dev/null; do
  tries=$((tries + 1))
  [ "$tries" -lt 60 ] || { echo "prestart: the database did not answer in 60 s" >&2; exit 1; }
  sleep 1
done
contamap migrate
contamap load
exec contamap serve --host 0.0.0.0 --port "${PORT:-8000}"
