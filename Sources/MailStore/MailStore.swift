// MailStore: see docs/architecture.md
