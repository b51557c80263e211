"""The portal's stylesheets, script and icon served from memory.

Starlette's `StaticFiles` looks each file up and reads it in a worker thread on every request: on a busy machine
the hand-over to the thread pool costs more than everything else the request does. The portal's files are a few
kilobytes of package data that change only with a release, so they are read once when the app is built and sent
with the same headers `StaticFiles` sends (type, length, Last-Modified, ETag; 304 on revalidation), plus
`Cache-Control` so a browser does not ask again for a few minutes. Anything else (a path not found, a byte range,
a file past the size kept) goes to `StaticFiles` as before.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.datastructures import Headers
from starlette.responses import FileResponse
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Receive, Scope, Send

#: Browsers reuse a file this long before they revalidate it (the files change only with a release).
CACHE_CONTROL = "public, max-age=300"
#: Files larger than this are left to `StaticFiles`.
MAX_BYTES = 256 * 1024


class PortalAssets(StaticFiles):
    """`StaticFiles` over `directory`, with its small files answered from memory."""

    def __init__(self, *, directory: Path) -> None:
        super().__init__(directory=directory)
        self._files: dict[str, tuple[bytes, Headers]] = {}
        for file in sorted(directory.rglob("*")):
            if file.is_file() and file.stat().st_size <= MAX_BYTES:
                stat = file.stat()
                headers = FileResponse(file, stat_result=stat).headers.mutablecopy()
                headers["cache-control"] = CACHE_CONTROL
                # the key `get_path` makes of the request's path
                self._files[os.path.normpath(file.relative_to(directory).as_posix())] = (file.read_bytes(), headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = None
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            request = Headers(scope=scope)
            if "range" not in request:
                found = self._files.get(self.get_path(scope))
        if found is None:
            await super().__call__(scope, receive, send)
            return
        body, headers = found
        if self.is_not_modified(headers, request):
            await NotModifiedResponse(headers)(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 200, "headers": headers.raw})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
