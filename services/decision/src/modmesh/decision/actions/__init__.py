"""Actions: the outbox of decided actions and the adapters that carry them out."""
