// RedisStreams: see docs/architecture.md
