#!/bin/sh
# Creates or upgrades Temporal's PostgreSQL databases (temporal,
# temporal_visibility) with temporal-sql-tool, as Temporal's own setup does:
# versioning tables first, then every versioned migration up to the
# tool's. Safe to run again: existing databases and tables are kept.
# docker-compose's temporal-schema service runs it in the admin-tools
# image; the topology test runs it with the tool built by `make topology`.
#
#   SQL_HOST SQL_PORT SQL_USER SQL_PASSWORD   where PostgreSQL is (read by the tool)
#   SQL_TOOL     temporal-sql-tool binary (default: temporal-sql-tool)
#   SCHEMA_DIR   the tool's schema/postgresql/v12 directory
set -eu
tool="${SQL_TOOL:-temporal-sql-tool} --plugin postgres12"
schema="${SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"
for pair in temporal:temporal temporal_visibility:visibility; do
  db=${pair%%:*}
  dir=${pair#*:}
  # create-database fails when the database exists; anything else fails below.
  $tool --db "$db" create-database >/dev/null 2>&1 || true
  if ! $tool --db "$db" setup-schema -v 0.0 >/dev/null 2>&1; then
    echo "temporal-schema: $db already has versioning tables"
  fi
  $tool --db "$db" update-schema -d "$schema/$dir/versioned"
done
