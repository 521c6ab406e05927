#!/bin/sh
# Registers rcmbot's Temporal namespace unless it exists. Run with the
# Temporal CLI and an admin client certificate in the environment
# (TEMPORAL_ADDRESS, TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH,
# TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME).
#
#   TEMPORAL_CLI        the temporal binary (default: temporal)
#   TEMPORAL_NAMESPACE  default: default
#   RETENTION           how long closed workflows are kept (default: 30d)
set -eu
cli="${TEMPORAL_CLI:-temporal}"
ns="${TEMPORAL_NAMESPACE:-default}"
if "$cli" operator namespace describe --namespace "$ns" >/dev/null 2>&1; then
  echo "temporal-namespace: $ns exists"
  exit 0
fi
"$cli" operator namespace create --namespace "$ns" --retention "${RETENTION:-30d}"
