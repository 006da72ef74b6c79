"""Real mail servers started on 127.0.0.1 for tests (Dovecot for IMAP)."""
