"""The one runtime every modmesh service runs on: settings, logs, tracing, errors,
the gRPC server bootstrap, clients, the blob store and media decoding."""
