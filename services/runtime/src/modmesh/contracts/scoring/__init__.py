# Generated from protos/ by protos/generate.py. Do not edit.
