"""Where the gateway keeps what clients send: one interface (:mod:`.base`), SQLite and
PostgreSQL behind it."""
