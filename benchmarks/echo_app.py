"""The ceiling: a bare Starlette app on uvicorn that answers every request with a tiny JSON body.

It reads the request body (so POST and PATCH cost what reading a body costs) and echoes its
length; no storage, no validation. Whatever it serves per second is the most any Python ASGI
server can serve on this machine with this load generator.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

__all__ = ["app"]


async def echo(request: Request) -> Response:
    body = await request.body()
    text = f'{{"method":"{request.method}","length":{len(body)}}}'
    status = 201 if request.method == "POST" else 200
    return Response(text, status_code=status, media_type="application/scim+json")


app = Starlette(
    routes=[Route("/{path:path}", echo, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])]
)
