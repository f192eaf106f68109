// OpenSSLKit: see docs/architecture.md
