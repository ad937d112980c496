-- koji-fedoramessaging outbox, schema version 1.
-- {table} and {index} are filled in from the [outbox] table setting.
-- One row per message, written in the Koji transaction that caused it.

CREATE TABLE IF NOT EXISTS {table} (
    id          BIGSERIAL PRIMARY KEY,             -- publish order
    message_id  TEXT NOT NULL UNIQUE,              -- AMQP message id, fixed at write time
    topic       TEXT NOT NULL,                     -- e.g. buildsys.tag
    routing_key TEXT NOT NULL,                     -- topic with fedora-messaging's prefix
    schema_name TEXT NOT NULL,                     -- fedora_messaging_schema header
    headers     TEXT NOT NULL,                     -- all AMQP headers as JSON, sent-at included
    priority    INTEGER,                           -- AMQP priority property
    body        TEXT NOT NULL,                     -- the exact encoded JSON body
    created     TIMESTAMPTZ NOT NULL DEFAULT now(),
    attempts    INTEGER NOT NULL DEFAULT 0,        -- refusals and failures seen so far
    last_error  TEXT,
    dead_since  TIMESTAMPTZ                        -- set: a dead letter, skipped until retried
);

CREATE INDEX IF NOT EXISTS {index}_pending ON {table} (id) WHERE dead_since IS NULL;
CREATE INDEX IF NOT EXISTS {index}_dead ON {table} (id) WHERE dead_since IS NOT NULL;

CREATE TABLE IF NOT EXISTS {table}_state (
    key   TEXT PRIMARY KEY,                        -- schema_version, last_publish
    value TEXT NOT NULL
);
