"""Road distances and driving times between sites, as plain Python (no Django import).

A *provider* turns an ordered list of points into a square :class:`Matrix` of distances (whole metres)
and durations (whole seconds), row = from, column = to. Providers share one interface
(:class:`DistanceProvider`: an ``identity`` string and ``matrix(points)``), so they compose:

- :class:`GreatCircleProvider`: the great-circle distance times a detour factor, at an average speed.
  Needs no network; symmetric.
- :class:`OsrmTableProvider`: an OSRM-compatible ``table`` service over HTTP (road network; may be
  asymmetric). It fetches the configured URL and nothing else: no redirect is followed and the
  environment's proxy settings are ignored.
- :class:`FallbackProvider`: asks a primary provider and, only when it fails with a
  :class:`DistanceError`, a fallback one (typically great-circle); the matrix then says so.
- :class:`CachedProvider`: an in-memory LRU memo of another provider's matrices, by its identity and the
  points' coordinates. A persistent cache (database, file) can wrap a provider the same way.

Errors. Every failure of a provider is a :class:`DistanceError` with a stable ``code`` (``TIMEOUT``,
``UNREACHABLE``, ``HTTP_ERROR``, ``SERVICE_ERROR``, ``MALFORMED``, ``NO_ROUTE``) and, as in
``ordering.allocation``, an English ``message`` with ``%(name)s`` fields, marked for translation, written
for a coordinator: the caller shows ``gettext(error.message) % error.params`` (French for a French
locale once the catalogue has the message).

Example::

    provider = CachedProvider(FallbackProvider(OsrmTableProvider("https://osrm.example.org")))
    matrix = provider.matrix([Point(48.1173, -1.6778, "ferme"), Point(48.1244, -1.2092, "depot-vitre")])
    matrix.distance("ferme", "depot-vitre")  # metres
"""

from __future__ import annotations

import http.client
import json
import math
import re
import threading
import urllib.error
import urllib.request
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol
from urllib.parse import urlsplit

from cabas.core.errors import CodedError
from cabas.core.errors import translatable as _
from cabas.core.geo import great_circle_km

# DistanceError codes
TIMEOUT = "timeout"  # the service did not answer in time
UNREACHABLE = "unreachable"  # no connection to the service
HTTP_ERROR = "http_error"  # an HTTP error status (or a redirect, which is never followed)
SERVICE_ERROR = "service_error"  # the service answered with a code other than "Ok"
MALFORMED = "malformed"  # the answer is not the expected JSON table
NO_ROUTE = "no_route"  # the service knows no road between two of the points



class DistanceError(CodedError):
    """A provider could not give a matrix (``code``: one of the module's codes)."""


@dataclass(frozen=True)
class Point:
    """A site on the map. Coordinates are degrees (WGS 84), given as Decimal, int or float and kept as
    Decimal (a float through its shortest decimal form: 48.1 becomes Decimal("48.1")). ``key`` names the
    point in a matrix (a site id, for instance); it must be hashable."""

    latitude: Decimal
    longitude: Decimal
    key: Hashable

    def __post_init__(self):
        hash(self.key)  # raises TypeError for an unhashable key
        object.__setattr__(self, "latitude", _degrees(self.latitude, "latitude", 90))
        object.__setattr__(self, "longitude", _degrees(self.longitude, "longitude", 180))


def _number(value, name: str) -> Decimal:
    """A Decimal, int or float as a Decimal (a float through its shortest decimal form)."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, float)):
        raise TypeError(f"{name} must be a Decimal, int or float, not {type(value).__name__}")
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _degrees(value, name: str, limit: int) -> Decimal:
    degrees = _number(value, name)
    if not degrees.is_finite() or not -limit <= degrees <= limit:
        raise ValueError(f"{name} must be between -{limit} and {limit} degrees, not {value}")
    return degrees


@dataclass(frozen=True)
class Matrix:
    """Distances (whole metres) and durations (whole seconds) between ``points``, in their order:
    ``distances[i][j]`` is from ``points[i]`` to ``points[j]``. ``provider`` is the identity of the provider
    that computed it; ``fallback`` is the primary provider's error when the fallback provider computed it."""

    points: tuple[Point, ...]
    distances: tuple[tuple[int, ...], ...]
    durations: tuple[tuple[int, ...], ...]
    provider: str
    fallback: DistanceError | None = field(default=None, compare=False)
    _index: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        n = len(self.points)
        for name in ("distances", "durations"):
            rows = getattr(self, name)
            if len(rows) != n or any(len(row) != n for row in rows):
                raise ValueError(f"{name} must be a {n} × {n} table")
            if any(isinstance(cell, bool) or not isinstance(cell, int) or cell < 0 for row in rows for cell in row):
                raise ValueError(f"{name} must hold non-negative whole numbers")
        index = {point.key: i for i, point in enumerate(self.points)}
        if len(index) != n:
            raise ValueError("two points have the same key")
        object.__setattr__(self, "_index", index)

    def index(self, key: Hashable) -> int:
        """The position of the point named ``key`` (KeyError when absent)."""
        return self._index[key]

    def distance(self, from_key: Hashable, to_key: Hashable) -> int:
        """Metres from one point to another, by their keys."""
        return self.distances[self._index[from_key]][self._index[to_key]]

    def duration(self, from_key: Hashable, to_key: Hashable) -> int:
        """Seconds from one point to another, by their keys."""
        return self.durations[self._index[from_key]][self._index[to_key]]

    def restrict(self, keys: Sequence[Hashable]) -> Matrix:
        """The matrix of some of the points, in the order of ``keys`` (to cost a coalition's rounds
        without asking the provider again)."""
        positions = [self._index[key] for key in keys]
        return Matrix(
            points=tuple(self.points[i] for i in positions),
            distances=tuple(tuple(self.distances[i][j] for j in positions) for i in positions),
            durations=tuple(tuple(self.durations[i][j] for j in positions) for i in positions),
            provider=self.provider,
            fallback=self.fallback,
        )


class DistanceProvider(Protocol):
    """What every provider offers. ``identity`` describes the provider and its settings (two providers
    with the same identity give the same matrices); caches key on it."""

    identity: str

    def matrix(self, points: Sequence[Point]) -> Matrix: ...


def _checked(points: Sequence[Point]) -> tuple[Point, ...]:
    points = tuple(points)
    if not all(isinstance(point, Point) for point in points):
        raise TypeError("points must be Point instances")
    if len({point.key for point in points}) != len(points):
        raise ValueError("two points have the same key")
    return points


def _whole(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def _positive(value, name: str) -> Decimal:
    number = _number(value, name)
    if not number.is_finite() or number <= 0:
        raise ValueError(f"{name} must be positive, not {value}")
    return number


# --- great circle ---------------------------------------------------------------------------------


class GreatCircleProvider:
    """Great-circle distance × ``detour_factor`` (roads are longer than the crow flies: about 1.3 in
    rural France), driven at ``speed_kmh`` on average. Symmetric, zero on the diagonal; no network."""

    def __init__(self, detour_factor=Decimal("1.3"), speed_kmh=Decimal("60")):
        self.detour_factor = _positive(detour_factor, "detour_factor")
        if self.detour_factor < 1:
            raise ValueError(f"detour_factor cannot be below 1 (no road beats the great circle), not {detour_factor}")
        self.speed_kmh = _positive(speed_kmh, "speed_kmh")
        self.identity = f"great-circle(detour={self.detour_factor}, speed={self.speed_kmh} km/h)"

    def matrix(self, points: Sequence[Point]) -> Matrix:
        points = _checked(points)
        n = len(points)
        distances = [[0] * n for _row in range(n)]
        durations = [[0] * n for _row in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                a, b = points[i], points[j]
                km = Decimal(repr(great_circle_km(a.latitude, a.longitude, b.latitude, b.longitude))) * self.detour_factor
                distances[i][j] = distances[j][i] = _whole(km * 1000)
                durations[i][j] = durations[j][i] = _whole(km * 3600 / self.speed_kmh)
        return Matrix(points, tuple(map(tuple, distances)), tuple(map(tuple, durations)), self.identity)


# --- OSRM -----------------------------------------------------------------------------------------


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would fetch another address than the configured one: it becomes an HTTP error."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number")


class OsrmTableProvider:
    """An OSRM-compatible ``table`` service: ``GET {base_url}/table/v1/{profile}/{lon,lat;…}
    ?annotations=distance,duration``. Distances and durations come back in metres and seconds, rounded
    half-up to whole numbers. ``timeout`` (seconds) bounds each network operation (connecting, waiting
    for the answer, each read), as in ``urllib``. Fewer than two points need no request.

    Only ``base_url`` is ever fetched: redirects are refused (``HTTP_ERROR``) and the environment's proxy
    settings are ignored. The server's own limit on the number of points (OSRM's ``--max-table-size``,
    100 by default) answers ``SERVICE_ERROR`` with the service code ``TooBig``."""

    def __init__(self, base_url: str, profile: str = "driving", timeout: float = 10):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"base_url must be an http(s) URL without query nor fragment, not {base_url!r}")
        if not re.fullmatch(r"[A-Za-z0-9_-]+", profile):
            raise ValueError(f"profile must be a plain name such as 'driving', not {profile!r}")
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < math.inf:
            raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
        self.base_url = base_url.rstrip("/")
        self.profile = profile
        self.timeout = timeout
        self.identity = f"osrm({self.base_url}, {profile})"
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _RefuseRedirects)

    def url(self, points: Sequence[Point]) -> str:
        """The address asked for these points."""
        coordinates = ";".join(f"{point.longitude:f},{point.latitude:f}" for point in points)
        return f"{self.base_url}/table/v1/{self.profile}/{coordinates}?annotations=distance,duration"

    def matrix(self, points: Sequence[Point]) -> Matrix:
        points = _checked(points)
        if len(points) < 2:
            zeros = tuple((0,) * len(points) for _point in points)
            return Matrix(points, zeros, zeros, self.identity)
        payload = self._fetch(self.url(points))
        if payload.get("code") != "Ok":
            raise _service_error(payload)
        distances = self._table(payload, "distances", points)
        durations = self._table(payload, "durations", points)
        return Matrix(points, distances, durations, self.identity)

    def _fetch(self, url: str) -> dict:
        try:
            try:
                with self._opener.open(url, timeout=self.timeout) as response:
                    status, body = response.status, response.read()
            except urllib.error.HTTPError as error:  # an error status or a refused redirect, maybe with JSON
                with error:
                    status, body = error.code, error.read()
        except OSError as error:  # TimeoutError, URLError (connection refused, unknown host…)
            reason = getattr(error, "reason", error)
            if isinstance(reason, TimeoutError):
                raise DistanceError(
                    TIMEOUT, _("The route service did not answer within %(seconds)s seconds."), seconds=self.timeout
                ) from error
            raise DistanceError(
                UNREACHABLE, _("The route service cannot be reached (%(reason)s)."), reason=reason
            ) from error
        except http.client.HTTPException as error:  # a broken HTTP answer
            raise DistanceError(MALFORMED, _("The route service's answer cannot be read.")) from error
        payload = _json_object(body)
        if status // 100 != 2:
            if payload is not None and isinstance(payload.get("code"), str):
                raise _service_error(payload)
            raise DistanceError(HTTP_ERROR, _("The route service answered with an error (HTTP %(status)s)."), status=status)
        if payload is None:
            raise DistanceError(MALFORMED, _("The route service's answer cannot be read."))
        return payload

    def _table(self, payload: dict, name: str, points: tuple[Point, ...]) -> tuple[tuple[int, ...], ...]:
        rows = payload.get(name)
        n = len(points)
        incomplete = DistanceError(
            MALFORMED, _("The route service's answer has no complete %(table)s table for %(count)s points."),
            table=name, count=n,
        )
        if not isinstance(rows, list) or len(rows) != n or any(not isinstance(row, list) or len(row) != n for row in rows):
            raise incomplete
        for i, row in enumerate(rows):
            for j, cell in enumerate(row):
                if cell is None:
                    raise DistanceError(
                        NO_ROUTE, _("The route service knows no road from %(origin)s to %(destination)s."),
                        origin=points[i].key, destination=points[j].key,
                    )
                if isinstance(cell, bool) or not isinstance(cell, (int, float)) or cell < 0:
                    raise incomplete
        return tuple(tuple(_whole(Decimal(repr(cell))) for cell in row) for row in rows)


def _json_object(body: bytes) -> dict | None:
    """The JSON object in ``body``, or None (not JSON, not an object, NaN or Infinity in it)."""
    try:
        payload = json.loads(body, parse_constant=_reject_constant)
    except ValueError:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None
    return payload if isinstance(payload, dict) else None


def _service_error(payload: dict) -> DistanceError:
    return DistanceError(
        SERVICE_ERROR, _("The route service refused the request (%(service_code)s: %(detail)s)."),
        service_code=str(payload.get("code")), detail=str(payload.get("message", "")),
    )


# --- composition ----------------------------------------------------------------------------------


class FallbackProvider:
    """``primary``'s matrix or, only when it raises a :class:`DistanceError`, ``fallback``'s (great-circle by
    default), with the primary's error in ``Matrix.fallback`` so the caller can tell the coordinator that
    distances are estimated. Use it only where an estimate is acceptable."""

    def __init__(self, primary: DistanceProvider, fallback: DistanceProvider | None = None):
        self.primary = primary
        self.fallback = fallback if fallback is not None else GreatCircleProvider()
        self.identity = f"{primary.identity} or else {self.fallback.identity}"

    def matrix(self, points: Sequence[Point]) -> Matrix:
        try:
            return self.primary.matrix(points)
        except DistanceError as error:
            estimate = self.fallback.matrix(points)
            return Matrix(estimate.points, estimate.distances, estimate.durations, estimate.provider, fallback=error)


_GREAT_CIRCLE_IDENTITY = re.compile(r"great-circle\(detour=([0-9.]+), speed=([0-9.]+) km/h\)")
_OSRM_IDENTITY = re.compile(r"osrm\(.*\)")


def describe_identity(identity: str) -> tuple[str, dict]:
    """A provider's ``identity`` (as a plan stores it) in words for people: a message marked for translation
    and its parameters (Decimals for the caller to write in the reader's language). « as the crow flies × 1,3,
    at 50 km/h », « by road (route service) », and a fallback « …, or else … when the route service fails »."""
    primary, sep, fallback = identity.partition(" or else ")
    if sep:
        first, first_params = describe_identity(primary)
        second, second_params = describe_identity(fallback)
        return (_("%(primary)s, or else %(fallback)s when the route service does not answer"),
                {"primary": (first, first_params), "fallback": (second, second_params)})
    match = _GREAT_CIRCLE_IDENTITY.fullmatch(identity.strip())
    if match:
        return (_("as the crow flies × %(detour)s, at %(speed)s km/h"),
                {"detour": Decimal(match.group(1)), "speed": Decimal(match.group(2))})
    if _OSRM_IDENTITY.fullmatch(identity.strip()):
        return _("by road (route service)"), {}
    return _("by another method"), {}


class CachedProvider:
    """Memoises ``provider``'s matrices in memory, least recently used first out beyond ``max_entries``.

    The key is the provider's identity and the points' coordinates, in order (keys do not count: the
    matrix comes back with the caller's points). A matrix computed by a fallback (``Matrix.fallback`` set)
    is not kept, so the primary provider is asked again next time. Errors are not cached. Thread-safe;
    two threads missing the same key at once may both ask the provider. A persistent cache can offer the
    same interface (``identity``, ``matrix``) around any provider."""

    def __init__(self, provider: DistanceProvider, max_entries: int = 256):
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
            raise ValueError(f"max_entries must be a positive whole number, not {max_entries!r}")
        self.provider = provider
        self.max_entries = max_entries
        self.identity = provider.identity
        self._entries: OrderedDict[tuple, Matrix] = OrderedDict()
        self._lock = threading.Lock()

    def matrix(self, points: Sequence[Point]) -> Matrix:
        points = _checked(points)
        key = (self.provider.identity, tuple((point.latitude, point.longitude) for point in points))
        with self._lock:
            cached = self._entries.get(key)
            if cached is not None:
                self._entries.move_to_end(key)
        if cached is None:
            cached = self.provider.matrix(points)
            if cached.fallback is not None:
                return cached
            with self._lock:
                self._entries[key] = cached
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return Matrix(points, cached.distances, cached.durations, cached.provider)

    def __len__(self) -> int:
        return len(self._entries)
