"""Similarity: near-duplicate video search against banks of known items.

Media frames are sampled with ffmpeg and hashed with PDQ (256-bit perceptual hashes);
each known item's hashes are stored durably in SQL and indexed with annoy under the
Hamming metric, persisted as a snapshot file named by its content. A search reports,
per matching item, the closest distance, how much of the query and of the item matched,
where in both, and the index snapshot that answered, so that every match is evidence.
"""
