"""The `modmesh` command: run a local mesh, moderate a file through it, run the demo."""
