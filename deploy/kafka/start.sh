#!/bin/sh
# The Kafka container's start (docker-compose.yml): the broker's JAAS file and the admin's client properties from the
# kafka_admin secret (in /tmp, readable by this container's user only), then Kafka itself; once it answers,
# users-and-acls.sh gives every service its SCRAM user and ACLs and marks the broker ready for the healthcheck.
set -eu
umask 077
admin_password="$(cat /run/secrets/kafka_admin)"
case "$admin_password" in
  *[!A-Za-z0-9_-]*|"") echo "kafka_admin: use 32 or more URL-safe characters (A-Z a-z 0-9 _ -)" >&2; exit 1 ;;
esac
[ "${#admin_password}" -ge 32 ] || { echo "kafka_admin is shorter than 32 characters" >&2; exit 1; }
cat > /tmp/kafka_server_jaas.conf <<JAAS
KafkaServer {
  org.apache.kafka.common.security.plain.PlainLoginModule required
    username="admin" password="$admin_password" user_admin="$admin_password";
  org.apache.kafka.common.security.scram.ScramLoginModule required;
};
JAAS
cat > /tmp/admin.properties <<PROPERTIES
security.protocol=SASL_PLAINTEXT
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$admin_password";
PROPERTIES
rm -f /tmp/jajo-kafka-ready
sh /jajo/kafka/users-and-acls.sh &
exec /etc/kafka/docker/run
