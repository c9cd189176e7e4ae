"""Intake: submitted items stored as cases and analysed by the remote engines, the
rules in force deciding each outcome."""
