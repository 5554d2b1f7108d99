"""Background work: outbox delivery (mail, webhooks, fan-out of comment events, digests)."""
