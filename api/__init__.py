"""The HTTP API: a FastAPI app whose thin routers call the same services as the CLI.

:func:`api.app.create_app` builds it around one :class:`assistant.container.Container`;
``onemap serve`` runs it with uvicorn.
"""
