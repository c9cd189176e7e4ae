"""The modmesh gateway: a REST/JSON bridge (FastAPI, with its OpenAPI document at
/openapi.json) to the decision, termmatch and similarity gRPC services. It streams
uploads into the shared blob store, submits them for moderation, serves the review
queue and the term lists, maps every gRPC status to one JSON error body, and carries
each HTTP request's trace to the services it calls. Run it with
``python -m modmesh.gateway``; ``create_app(settings)`` builds the app for tests.
"""
