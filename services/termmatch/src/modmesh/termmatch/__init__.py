"""termmatch finds an operator's listed words and phrases in text and timed transcripts.

Matching is whole-word on NFKC-casefolded text, yet every hit points back into the
text as the caller sent it (and, for transcripts, at the words and times it covers).
Lists are versioned: each edit stores a new immutable version, and each hit names the
version that produced it, so a decision can always be traced to the list as it stood.
"""
