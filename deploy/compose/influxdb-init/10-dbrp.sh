#!/bin/sh
# Runs once when InfluxDB 2.x initialises: maps the InfluxQL database/retention policy
# "streetsense/autogen" onto the bucket, so the register API and Grafana (InfluxQL) can read it.
set -e
bucket_id=$(influx bucket list --name "${DOCKER_INFLUXDB_INIT_BUCKET}" --hide-headers | cut -f1)
influx v1 dbrp create --db "${DOCKER_INFLUXDB_INIT_BUCKET}" --rp autogen --bucket-id "${bucket_id}" --default
