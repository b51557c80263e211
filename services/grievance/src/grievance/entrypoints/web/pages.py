"""`/pengaduan`: the citizens' grievance pages, phone-first, server-rendered, working without JavaScript.

A page per case kind (an usul's page explains the way through the village office: the public channel does not
take one), the confirmation with the tracking number, and the tracking page (the number is POSTed, never put in
a URL). Submissions go through the same application code and idempotency store as `POST /public/cases`: each
rendered form carries its own hidden key, so a double submit (or a reload of the answer) makes one case. A bad
field is named in the citizen's language and the form keeps what they typed; the answer never leaves this page.

Limited per client address by the `limit` hook the router is built with (the same policy as the public API's).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from gotong.api.auth import Principal
from gotong.api.idempotency import CommandContext, RequestInFlight
from gotong.domain.errors import DomainError, NotFound
from gotong.reference import region_names
from grievance.application import commands as c
from grievance.application import queries as q
from grievance.application.inputs import CaseSubmit
from grievance.domain.catalogue import CATEGORIES
from grievance.entrypoints.api.deps import read
from grievance.entrypoints.api.public import PUBLIC
from grievance.entrypoints.web.words import KIND_SLUG, SLUGS, WORDS, day, lang_of

HERE = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=HERE)
STYLE = (HERE / "pengaduan.css").read_bytes()
ICON = (HERE / "favicon.svg").read_bytes()
WIB = ZoneInfo("Asia/Jakarta")
TRACKING = r"^[A-Za-z]{3}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}$"
#: Categories in the order the form lists them.
CATEGORY_ORDER = {"sanggah": ("inclusion", "desil"), "payment_complaint": ("not_received", "wrong_amount"),
                  "data_correction": ("member_died", "member_moved", "member_born")}
#: Where an input's error lands: a pydantic location or a domain error's field -> the form's field.
FIELDS = {"region_code": "region_code", "category": "category", "subject_ref": "subject_ref",
          "details.description": "description", "details.names": "names", "reporter.name": "reporter_name",
          "reporter.phone": "reporter_phone", "reporter": "reporter_name", "anonymous": "anonymous",
          "Idempotency-Key": "form"}
#: The fields in the order the form shows them (the error summary follows it).
ORDER = ("region_code", "category", "subject_ref", "description", "names", "anonymous", "reporter_name",
         "reporter_phone", "form")
FORM_FIELDS = ("category", "subject_ref", "description", "names", "anonymous", "reporter_name", "reporter_phone")

#: How many times (0.2 s apart) a repeated submission waits for the first one with its key to finish.
IN_FLIGHT_WAITS = 25
#: The limiter hook: the seconds to wait when this client is over the limit, else None.
Limit = Callable[[Request], Awaitable[int | None]]


class FormCommand(CommandContext):
    """A public command whose idempotency key came in the form (a hidden field), not a header."""

    def __init__(self, request: Request, principal: Principal, key: str) -> None:
        super().__init__(request, principal)
        self.key = key
        self.metadata = replace(self.metadata, idempotency_key=key)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    path = ".".join(str(p) for p in loc if not isinstance(p, int))
    return FIELDS.get(path, FIELDS.get(path.split(".")[0], "description"))


def _wib_day(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(WIB).date().isoformat()


def _regions(province: str | None, regency: str | None, district: str | None) -> dict[str, Any]:
    """The region cascade as plain GET steps (no script): what is chosen, and the lists to choose from."""
    names = region_names(max_level=4)

    def under(code: str | None) -> list[tuple[str, str]]:
        depth = 0 if not code else code.count(".") + 1
        prefix = "" if not code else code + "."
        return sorted(((k, v) for k, v in names.items() if k.startswith(prefix) and k.count(".") == depth),
                      key=lambda kv: kv[1])

    chosen = {"province": province if province in names and province.count(".") == 0 else None}
    chosen["regency"] = regency if chosen["province"] and (regency or "").startswith(chosen["province"] + ".") \
        and regency in names else None
    chosen["district"] = district if chosen["regency"] and (district or "").startswith(chosen["regency"] + ".") \
        and district in names else None
    deepest = chosen["district"] or chosen["regency"] or chosen["province"]
    path = [names[code] for code in (chosen["province"], chosen["regency"], chosen["district"]) if code]
    return {"chosen": chosen, "deepest": deepest, "path": ", ".join(reversed(path)),
            "lists": {"province": under(None), "regency": under(chosen["province"]) if chosen["province"] else [],
                      "district": under(chosen["regency"]) if chosen["regency"] else [],
                      "village": under(chosen["district"]) if chosen["district"] else []}}


def _render(request: Request, name: str, lang: str, *, code: int = 200, **context: Any) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, {"w": WORDS[lang], "lang": lang, "day": day,
                                                          "slugs": KIND_SLUG, **context}, status_code=code)
    response.headers["Cache-Control"] = "no-store"  # what a citizen typed, or their tracking number
    return response


def _limited(request: Request, lang: str, name: str, wait: int, **context: Any) -> HTMLResponse:
    response = _render(request, name, lang, code=429, limited=wait, **context)
    response.headers["Retry-After"] = str(wait)
    return response


def _body(kind: str, form: dict[str, str]) -> dict[str, Any]:
    """The form as the API's `CaseSubmit` (the same validation, the same messages' fields)."""
    names = [n.strip() for n in form.get("names", "").split(",") if n.strip()]
    reporter = None
    if form.get("reporter_name", "").strip() or form.get("reporter_phone", "").strip():
        reporter = {"name": form.get("reporter_name", "").strip(), "phone": form.get("reporter_phone", "").strip()
                    or None}
    return {"kind": kind, "category": form.get("category", ""), "region_code": form.get("region_code", "").strip(),
            "subject_ref": form.get("subject_ref", "").strip() or None,
            "anonymous": kind == "sanggah" and form.get("anonymous") == "yes",
            "details": {"description": form.get("description", "").strip(), "names": names},
            "reporter": reporter}


def _precheck(kind: str, form: dict[str, str]) -> set[str]:
    """What the case would refuse one field at a time, named all at once so the citizen fixes it in one go (the
    aggregate still decides)."""
    wrong = set()
    if not form.get("region_code", "").strip():
        wrong.add("region_code")
    if form.get("category") not in CATEGORIES[kind]:
        wrong.add("category")
    try:
        UUID(form.get("subject_ref", "").strip())
    except ValueError:
        wrong.add("subject_ref")
    return wrong


async def _once(cmd: FormCommand, fn: Any) -> Response:
    """Run the submission; a double click's second request waits for the first (the same key) and answers with
    its case, rather than telling a citizen the form is busy."""
    for _ in range(IN_FLIGHT_WAITS):
        try:
            return await cmd.execute(fn, status_code=201)
        except RequestInFlight:
            await asyncio.sleep(0.2)
    return await cmd.execute(fn, status_code=201)


def pages_router(limit: Limit) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def form_page(request: Request, lang: str, slug: str, *, code: int = 200, errors: list[str] | None = None,
                  values: dict[str, str] | None = None, limited: int | None = None) -> HTMLResponse:
        kind = SLUGS[slug]
        # a field in error starts empty again: what was typed there may be a NIK in the wrong box
        values = {k: v for k, v in (values or {}).items() if k not in (errors or [])}
        params = request.query_params
        region = values.get("region_code", "")
        parts = region.split(".") if region else []
        regions = _regions(params.get("province") or ".".join(parts[:1]) or None,
                           params.get("regency") or ".".join(parts[:2]) or None,
                           params.get("district") or ".".join(parts[:3]) or None)
        if "subject_ref" not in values and params.get("ref"):
            values = {**values, "subject_ref": params["ref"][:64]}
        response = _render(request, "form.html", lang, code=code, kind=kind, slug=slug, regions=regions,
                           categories=CATEGORY_ORDER.get(kind, ()), errors=errors or [], v=values,
                           key=str(uuid4()), limited=limited)
        if limited:
            response.headers["Retry-After"] = str(limited)
        return response

    @router.get("/pengaduan/style.css")
    async def style() -> Response:
        return Response(STYLE, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})

    @router.get("/pengaduan/favicon.svg")
    async def icon() -> Response:
        return Response(ICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})

    @router.get("/pengaduan", response_class=HTMLResponse)
    async def index(request: Request, lang: str | None = None) -> HTMLResponse:
        return _render(request, "index.html", lang_of(lang), kinds=("sanggah", "payment_complaint",
                                                                    "data_correction", "usul"))

    @router.get("/pengaduan/lacak", response_class=HTMLResponse)
    async def track_form(request: Request, lang: str | None = None) -> HTMLResponse:
        return _render(request, "track.html", lang_of(lang))

    @router.post("/pengaduan/lacak", response_class=HTMLResponse)
    async def track(request: Request) -> HTMLResponse:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        lang = lang_of(form.get("lang"))
        number = form.get("nomor", "").strip().upper()
        wait = await limit(request)
        if wait is not None:
            return _limited(request, lang, "track.html", wait, nomor=number)
        if not re.fullmatch(TRACKING, number):
            return _render(request, "track.html", lang, code=422, errors=["nomor"])
        try:
            answer = await read(request, q.public_status, number)
        except NotFound:
            return _render(request, "track.html", lang, code=404, errors=["nomor"], unknown=True, nomor=number)
        return _render(request, "track.html", lang, answer=answer, nomor=number, key=str(uuid4()))

    @router.post("/pengaduan/lacak/banding", response_class=HTMLResponse)
    async def appeal(request: Request) -> HTMLResponse:
        """An appeal, once, after the decision: the case is investigated again with a new deadline."""
        await request.body()  # cached first: the idempotency store fingerprints the same bytes
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        lang = lang_of(form.get("lang"))
        number = form.get("nomor", "").strip().upper()
        key = form.get("idempotency_key", "").strip()
        wait = await limit(request)
        if wait is not None:
            return _limited(request, lang, "track.html", wait, nomor=number)
        if not re.fullmatch(TRACKING, number) or not key or len(key) > 100 or not key.isprintable():
            return _render(request, "track.html", lang, code=422, errors=["nomor"])
        try:
            answer = await _once(FormCommand(request, PUBLIC, key), lambda uow: c.public_appeal(uow, number))
        except DomainError:
            answer = None
        refused = answer is None or answer.status_code >= 400
        try:
            status = await read(request, q.public_status, number)
        except NotFound:
            return _render(request, "track.html", lang, code=404, errors=["nomor"], unknown=True, nomor=number)
        return _render(request, "track.html", lang, code=409 if refused else 200, answer=status, nomor=number,
                       appeal_refused=refused, appealed_now=not refused, key=str(uuid4()))

    @router.get("/pengaduan/{slug}", response_class=HTMLResponse)
    async def kind_form(request: Request, slug: str, lang: str | None = None) -> HTMLResponse:
        if slug not in SLUGS:
            raise NotFound("no such grievance page", field="slug")
        return form_page(request, lang_of(lang), slug)

    @router.post("/pengaduan/{slug}", response_class=HTMLResponse)
    async def submit(request: Request, slug: str) -> HTMLResponse:
        if slug not in SLUGS or SLUGS[slug] == "usul":
            raise NotFound("no such grievance form", field="slug")
        kind = SLUGS[slug]
        await request.body()  # cached first: the idempotency store fingerprints the same bytes the form is read from
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        lang = lang_of(form.get("lang"))
        values = {k: form.get(k, "") for k in (*FORM_FIELDS, "region_code")}
        wait = await limit(request)
        if wait is not None:
            return form_page(request, lang, slug, code=429, values=values, limited=wait)
        key = form.get("idempotency_key", "").strip()
        if not key or len(key) > 100 or not key.isprintable():
            return form_page(request, lang, slug, code=422, errors=["form"], values=values)
        fields = _precheck(kind, form)
        try:
            body = CaseSubmit.model_validate(_body(kind, form))
        except ValidationError as err:
            fields |= {_field(e["loc"]) for e in err.errors()}
        if fields:
            return form_page(request, lang, slug, code=422, errors=sorted(fields, key=ORDER.index), values=values)
        deps = request.app.state.grievance
        try:
            answer = await _once(FormCommand(request, PUBLIC, key),
                                 lambda uow: c.submit(uow, deps, body, channel="public", by=PUBLIC.subject))
        except DomainError as err:  # the key itself: reused with another form, or still in flight
            return form_page(request, lang, slug, code=err.status, errors=[FIELDS.get(err.field or "", "form")],
                             values=values)
        data = json.loads(bytes(answer.body))
        if answer.status_code >= 400:  # a domain refusal, answered (or replayed) as problem+json
            named = sorted({FIELDS.get(e.get("field") or "", "form") for e in data.get("errors") or []}) or ["form"]
            return form_page(request, lang, slug, code=answer.status_code, errors=named, values=values)
        return _render(request, "submitted.html", lang, kind=kind, tracking=data["tracking_number"],
                       due=_wib_day(data["due_at"]), anonymous=body.anonymous)

    return router


__all__ = ["FormCommand", "Limit", "pages_router"]
