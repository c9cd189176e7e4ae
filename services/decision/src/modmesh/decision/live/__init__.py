"""Live moderation: a stream's audio transcribed as it arrives, flags and actions out."""
