#!/usr/bin/env sh
# A deployment's one-off job, run once before the API starts (compose: the `migrate`
# service): wait for the database, migrate, and load the bundled data into an empty database
# only, so that a restart never writes the bundled rows over imported or edited ones.
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
contamap load --if-empty
