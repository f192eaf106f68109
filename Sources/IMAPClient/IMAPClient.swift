// IMAPClient: see docs/architecture.md
