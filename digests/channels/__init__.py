"""Where digests go: e-mail over SMTP, the in-app inbox, chat-room webhooks."""
