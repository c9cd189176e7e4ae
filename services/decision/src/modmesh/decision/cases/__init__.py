"""Cases: reading one case, or the cases in a status."""
