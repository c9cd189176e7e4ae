"""Evidence shared by every service: the generated contracts (v1) and their
plain-Python vocabulary (evidence.py)."""
