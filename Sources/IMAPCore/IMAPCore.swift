// IMAPCore: see docs/architecture.md
