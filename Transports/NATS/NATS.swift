// NATS client: see docs/architecture.md
