"""modmesh: an accountable moderation mesh for live and recorded audio/video.

Each subpackage is one service (its domain core, storage and gRPC servicer) or the
shared runtime they all run on. Generated protobuf code lives beside each service as
``modmesh.<service>.v1``, matching the proto packages in ``protos/``.
"""
