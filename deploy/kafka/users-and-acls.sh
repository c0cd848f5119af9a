#!/bin/sh
# Every service's SCRAM-SHA-512 user (its password from the kafka_<service> secret) and its ACLs, idempotent, run by
# start.sh once the broker answers on localhost as admin. Then /tmp/jajo-kafka-ready, which the healthcheck needs.
#
#   registration, activity, survey   Write their own topic; activity and survey Read registration's
#   reporting                        Read all three topics
#   init                             Create the three topics (python -m jajo.init)
#   activity, survey, reporting      Read their projection's consumer group (jajo.<projection>, jajo/config.py)
#   everyone                         Describe the three topics (metadata only: which topics exist, their ids)
set -eu
export KAFKA_OPTS="" KAFKA_HEAP_OPTS="-Xms64m -Xmx256m"  # the tools: no broker JAAS, a small heap
bin=/opt/kafka/bin
admin="--bootstrap-server localhost:9092 --command-config /tmp/admin.properties"
p=""  # production topics carry no prefix (JAJO_TOPIC_PREFIX is for tests)
registration="${p}registration.events" activity="${p}activity.events" survey="${p}survey.events"

until $bin/kafka-broker-api-versions.sh $admin > /dev/null 2>&1; do sleep 2; done

for user in registration activity survey reporting init; do
  password="$(cat "/run/secrets/kafka_$user")"
  case "$password" in
    *[!A-Za-z0-9_-]*|"") echo "kafka_$user: use 32 or more URL-safe characters (A-Z a-z 0-9 _ -)" >&2; exit 1 ;;
  esac
  [ "${#password}" -ge 32 ] || { echo "a Kafka password is shorter than 32 characters" >&2; exit 1; }
  $bin/kafka-configs.sh $admin --alter --entity-type users --entity-name "$user" \
    --add-config "SCRAM-SHA-512=[iterations=8192,password=$password]"
  $bin/kafka-acls.sh $admin --add --allow-principal "User:$user" --operation Describe \
    --topic "$registration" --topic "$activity" --topic "$survey"
done
acl() { $bin/kafka-acls.sh $admin --add --allow-principal "User:$1" --operation "$2" --topic "$3"; }
acl registration Write "$registration"
acl activity Write "$activity"
acl survey Write "$survey"
acl activity Read "$registration"
acl survey Read "$registration"
for topic in "$registration" "$activity" "$survey"; do
  acl reporting Read "$topic"
  acl init Create "$topic"
done
group() { $bin/kafka-acls.sh $admin --add --allow-principal "User:$1" --operation Read --group "$2"; }
group activity jajo.activity-registration-view
group survey jajo.survey-registration-view
group reporting jajo.reporting-projector
touch /tmp/jajo-kafka-ready
echo "kafka users and ACLs in place"
