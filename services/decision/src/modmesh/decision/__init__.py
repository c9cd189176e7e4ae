"""The decision service: turns engine evidence into cases that people review.

For each submitted item it asks transcription and similarity (in parallel) and then
termmatch what they find, applies a versioned rule that queues the item for human review
with a priority and a statement of reasons naming every piece of evidence, and records
reviewers' actions. Nothing is actioned automatically, and every change to a case is
appended to a hash-chained audit log in the same transaction.
"""
