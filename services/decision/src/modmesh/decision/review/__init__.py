"""Review: reviewers and accounts, the review queues, leases and reviewers' actions."""
