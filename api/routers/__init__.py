"""The routers, in the order the OpenAPI document lists them."""

from api.routers import (
    ask,
    check,
    compare,
    documents,
    eval_runs,
    extract,
    graph,
    health,
    identity,
    layers,
    public,
    reviews,
    search,
)

ROUTERS = [health.router, identity.router, search.router, ask.router, public.router, check.router, reviews.router, extract.router,
           compare.router, documents.router, layers.router, graph.router, eval_runs.router]
