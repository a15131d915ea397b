"""The AI Core cloud gateway: a ZeroMQ ROUTER server the game's sync client talks to
(``docs/sync.md``). Its own package: a game never ships it."""
