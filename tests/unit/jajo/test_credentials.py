"""Credentials (docker-compose.yml): each service's MongoDB user and Kafka SCRAM user reach its clients from `*_FILE`
secrets through jajo.config.secret(); without them (the embedded stack) the clients sign in as nobody."""

from __future__ import annotations

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer

from jajo.config import Settings, load_settings
from jajo.kafka import connection
from jajo.mongo import client_of

MONGO_PASSWORD = "m" * 40
KAFKA_PASSWORD = "k" * 40


def compose_like(monkeypatch, tmp_path) -> Settings:
    (tmp_path / "mongo_password").write_text(MONGO_PASSWORD + "\n")
    (tmp_path / "kafka_password").write_text(KAFKA_PASSWORD + "\n")
    for name, value in {
        "MONGODB_URI": "mongodb://127.0.0.1:1/?replicaSet=rs0&authSource=admin",
        "MONGODB_USERNAME": "registration",
        "MONGODB_PASSWORD_FILE": str(tmp_path / "mongo_password"),
        "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "KAFKA_USERNAME": "registration",
        "KAFKA_PASSWORD_FILE": str(tmp_path / "kafka_password"),
        "MONGODB_PASSWORD": "ignored",
    }.items():
        monkeypatch.setenv(name, value)
    return load_settings()


def test_passwords_come_from_the_secret_files_and_never_show_in_the_settings(monkeypatch, tmp_path):
    settings = compose_like(monkeypatch, tmp_path)
    assert (settings.mongodb_username, settings.mongodb_password) == ("registration", MONGO_PASSWORD)
    assert (settings.kafka_username, settings.kafka_password) == ("registration", KAFKA_PASSWORD)
    assert MONGO_PASSWORD not in repr(settings) and KAFKA_PASSWORD not in repr(settings)


def test_the_mongodb_client_signs_in_as_the_services_user(monkeypatch, tmp_path):
    credentials = client_of(compose_like(monkeypatch, tmp_path)).options.pool_options._credentials
    assert (credentials.username, credentials.password, credentials.source) == ("registration", MONGO_PASSWORD, "admin")
    assert client_of(Settings(mongodb_uri="mongodb://127.0.0.1:1/")).options.pool_options._credentials is None


def test_kafka_clients_get_sasl_scram_and_the_embedded_stack_plaintext(monkeypatch, tmp_path):
    options = connection(compose_like(monkeypatch, tmp_path))
    assert options["security_protocol"] == "SASL_PLAINTEXT" and options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("registration", KAFKA_PASSWORD)
    for client in (KafkaProducer, KafkaConsumer, KafkaAdminClient):  # names every kafka-python client knows
        assert set(options) <= set(client.DEFAULT_CONFIG), client
    assert not {"security_protocol", "sasl_mechanism"} & set(connection(Settings()))
