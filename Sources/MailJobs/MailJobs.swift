// MailJobs: see docs/architecture.md
