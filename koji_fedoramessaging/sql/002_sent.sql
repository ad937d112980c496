-- koji-fedoramessaging outbox, schema version 2: published messages kept for a while
-- ([outbox] keep_sent hours; with 0 nothing is written here).

CREATE TABLE IF NOT EXISTS {table}_sent (
    id          BIGINT PRIMARY KEY,                -- the outbox id it had
    message_id  TEXT NOT NULL,
    topic       TEXT NOT NULL,
    routing_key TEXT NOT NULL,
    headers     TEXT NOT NULL,
    body        TEXT NOT NULL,
    created     TIMESTAMPTZ NOT NULL,
    sent        TIMESTAMPTZ NOT NULL DEFAULT now()  -- when the broker confirmed it
);

CREATE INDEX IF NOT EXISTS {index}_sent_time ON {table}_sent (sent);
