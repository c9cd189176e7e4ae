"""scoring scores text and timed transcripts per category against the operator's labelled
example sets, with a sentence-embedding model whose weights ship inside a package.

Every score is accountable as a term hit is: it names the model and its version, the
example set and its version, the window of words that scored, and the positive examples
and counter-examples that window resembles most, with their similarities.
"""
