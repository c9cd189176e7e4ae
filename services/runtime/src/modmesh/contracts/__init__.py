"""Evidence shared by every service: the generated contracts (v1), their plain-Python
vocabulary (evidence.py) and the one Timestamp conversion (timestamps.py)."""
