"""Distance providers (pure): great circle × detour, an OSRM table service faked on loopback, the cache and
the fallback."""

import json
import socket
import threading
from decimal import Decimal as D
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from cabas.core.geo import great_circle_km
from cabas.logistics import distances
from cabas.logistics.distances import (
    CachedProvider,
    DistanceError,
    FallbackProvider,
    GreatCircleProvider,
    Matrix,
    OsrmTableProvider,
    Point,
)

RENNES = Point(D("48.1173"), D("-1.6778"), "rennes")
VITRE = Point(D("48.1244"), D("-1.2092"), "vitre")
NANTES = Point(D("47.2184"), D("-1.5536"), "nantes")


# --- points and matrices --------------------------------------------------------------------------


def test_a_point_keeps_its_coordinates_as_decimals():
    assert Point(48.1, -1.5, "a").latitude == D("48.1") and Point(48.1, -1.5, "a").longitude == D("-1.5")
    assert Point(48.1, -1.5, "a") == Point(D("48.10"), D("-1.50"), "a")


@pytest.mark.parametrize(
    "latitude, longitude, key, error",
    [(91, 0, "a", ValueError), (0, D("-180.5"), "a", ValueError), (float("nan"), 0, "a", ValueError),
     (True, 0, "a", TypeError), ("48.1", 0, "a", TypeError), (0, 0, ["unhashable"], TypeError)],
)
def test_a_point_off_the_globe_is_refused(latitude, longitude, key, error):
    with pytest.raises(error):
        Point(latitude, longitude, key)


def test_a_matrix_is_read_by_keys_and_restricted_to_some_points():
    metres, seconds = ((0, 1, 2), (3, 0, 4), (5, 6, 0)), ((0, 10, 20), (30, 0, 40), (50, 60, 0))
    matrix = Matrix((RENNES, VITRE, NANTES), metres, seconds, "test")
    assert matrix.distance("vitre", "nantes") == 4 and matrix.duration("nantes", "rennes") == 50
    small = matrix.restrict(["nantes", "vitre"])
    assert small.points == (NANTES, VITRE)
    assert small.distances == ((0, 6), (4, 0)) and small.durations == ((0, 60), (40, 0))
    with pytest.raises(KeyError):
        matrix.index("brest")


@pytest.mark.parametrize(
    "points, distances_, durations",
    [((RENNES, VITRE), ((0, 1),), ((0, 1), (1, 0))), ((RENNES, VITRE), ((0, -1), (1, 0)), ((0, 1), (1, 0))),
     ((RENNES, VITRE), ((0, 1.5), (1, 0)), ((0, 1), (1, 0))), ((RENNES, RENNES), ((0, 0), (0, 0)), ((0, 0), (0, 0)))],
)
def test_a_matrix_that_is_not_square_whole_and_keyed_once_is_refused(points, distances_, durations):
    with pytest.raises(ValueError):
        Matrix(points, distances_, durations, "test")


# --- great circle ---------------------------------------------------------------------------------


def test_rennes_vitre_is_about_34_km_as_the_crow_flies():
    matrix = GreatCircleProvider(detour_factor=1, speed_kmh=60).matrix([RENNES, VITRE])
    assert 34_000 < matrix.distance("rennes", "vitre") < 35_500
    km = great_circle_km(RENNES.latitude, RENNES.longitude, VITRE.latitude, VITRE.longitude)
    assert matrix.distance("rennes", "vitre") == round(km * 1000)
    # at 60 km/h, one minute per kilometre
    assert abs(matrix.duration("rennes", "vitre") - matrix.distance("rennes", "vitre") * 60 / 1000) <= 1


def test_great_circle_applies_the_detour_factor_and_the_average_speed():
    straight = GreatCircleProvider(detour_factor=1).matrix([RENNES, VITRE, NANTES])
    road = GreatCircleProvider().matrix([RENNES, VITRE, NANTES])  # × 1.3 at 60 km/h by default
    slow = GreatCircleProvider(detour_factor=D("1.5"), speed_kmh=D("45")).matrix([RENNES, VITRE, NANTES])
    km = great_circle_km(RENNES.latitude, RENNES.longitude, NANTES.latitude, NANTES.longitude)
    assert 99 < km < 102
    assert road.distance("rennes", "nantes") == round(km * 1.3 * 1000)
    assert road.duration("rennes", "nantes") == round(km * 1.3 / 60 * 3600)
    assert slow.distance("rennes", "nantes") == round(km * 1.5 * 1000)
    assert slow.duration("rennes", "nantes") == round(km * 1.5 / 45 * 3600)
    for matrix in (straight, road, slow):
        assert all(matrix.distances[i][i] == 0 == matrix.durations[i][i] for i in range(3))
        assert all(matrix.distances[i][j] == matrix.distances[j][i] for i in range(3) for j in range(3))
    assert road.provider == "great-circle(detour=1.3, speed=60 km/h)"


@pytest.mark.parametrize(
    "options", [{"detour_factor": D("0.9")}, {"speed_kmh": 0}, {"speed_kmh": D("-5")}, {"detour_factor": "1.3"}]
)
def test_great_circle_settings_must_make_sense(options):
    with pytest.raises((ValueError, TypeError)):
        GreatCircleProvider(**options)


# --- OSRM, faked on loopback ----------------------------------------------------------------------


class FakeOsrm(BaseHTTPRequestHandler):
    """Answers by the first segment of the path: /ok, /null, /malformed, /nan, /negative, /short, /refused,
    /refused-400, /http500, /slow, /redirect."""

    def do_GET(self):
        self.server.requests.append(self.path)
        mode, _, rest = self.path.lstrip("/").partition("/")
        path = rest.partition("?")[0]
        coordinates = path.rsplit("/", 1)[-1].split(";")
        n = len(coordinates)
        table = [[0 if i == j else 1000 * (i + 1) + 10 * j + 0.5 for j in range(n)] for i in range(n)]
        if mode == "ok":
            self.answer(200, {"code": "Ok", "distances": table, "durations": [[cell / 10 for cell in row] for row in table]})
        elif mode == "null":
            table[0][n - 1] = None
            self.answer(200, {"code": "Ok", "distances": table, "durations": table})
        elif mode == "malformed":
            self.answer(200, b'{"code": "Ok", "distances": [[0, 1')
        elif mode == "nan":
            self.answer(200, b'{"code": "Ok", "distances": [[0, NaN], [NaN, 0]], "durations": [[0, 1], [1, 0]]}')
        elif mode == "negative":
            self.answer(200, {"code": "Ok", "distances": table, "durations": [[-1] * n] * n})
        elif mode == "short":
            self.answer(200, {"code": "Ok", "durations": table})
        elif mode == "refused":
            self.answer(200, {"code": "TooBig", "message": "Too many table coordinates"})
        elif mode == "refused-400":
            self.answer(400, {"code": "InvalidQuery", "message": "Query string malformed close to position 28"})
        elif mode == "http500":
            self.answer(500, b"<html>Internal Server Error</html>")
        elif mode == "slow":
            self.server.release.wait(5)
            self.answer(200, {"code": "Ok", "distances": table, "durations": table})
        elif mode == "redirect":
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}/ok/{rest}")
            self.end_headers()

    def answer(self, status, body):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass

    def log_message(self, format, *args):
        pass


@pytest.fixture
def osrm():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOsrm)
    server.daemon_threads = True
    server.requests = []
    server.release = threading.Event()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


def provider(server, mode, **options):
    return OsrmTableProvider(f"http://127.0.0.1:{server.server_port}/{mode}", **options)


def test_osrm_table_is_read_in_whole_metres_and_seconds(osrm):
    matrix = provider(osrm, "ok").matrix([RENNES, VITRE, NANTES])
    assert matrix.distances == ((0, 1011, 1021), (2001, 0, 2021), (3001, 3011, 0))  # 1010.5 m → 1011 (half-up)
    assert matrix.durations == ((0, 101, 102), (200, 0, 202), (300, 301, 0))  # 101.05 s → 101
    assert matrix.points == (RENNES, VITRE, NANTES) and matrix.fallback is None
    assert matrix.provider == f"osrm(http://127.0.0.1:{osrm.server_port}/ok, driving)"
    (request,) = osrm.requests
    parts = urlsplit(request)
    assert parts.path == "/ok/table/v1/driving/-1.6778,48.1173;-1.2092,48.1244;-1.5536,47.2184"
    assert parts.query == "annotations=distance,duration"


def test_osrm_uses_the_profile_and_ignores_a_trailing_slash(osrm):
    OsrmTableProvider(f"http://127.0.0.1:{osrm.server_port}/ok/", profile="cycling").matrix([RENNES, VITRE])
    assert osrm.requests[0].startswith("/ok/table/v1/cycling/")


def test_fewer_than_two_points_need_no_request(osrm):
    assert provider(osrm, "ok").matrix([RENNES]).distances == ((0,),)
    assert provider(osrm, "ok").matrix([]).distances == ()
    assert osrm.requests == []


@pytest.mark.parametrize(
    "mode, code, params",
    [
        ("malformed", distances.MALFORMED, {}),
        ("nan", distances.MALFORMED, {}),
        ("short", distances.MALFORMED, {"table": "distances", "count": 2}),
        ("negative", distances.MALFORMED, {"table": "durations", "count": 2}),
        ("refused", distances.SERVICE_ERROR, {"service_code": "TooBig", "detail": "Too many table coordinates"}),
        ("refused-400", distances.SERVICE_ERROR,
         {"service_code": "InvalidQuery", "detail": "Query string malformed close to position 28"}),
        ("http500", distances.HTTP_ERROR, {"status": 500}),
        ("null", distances.NO_ROUTE, {"origin": "rennes", "destination": "vitre"}),
    ],
)
def test_osrm_failures_are_distance_errors_with_a_code(osrm, mode, code, params):
    with pytest.raises(DistanceError) as error:
        provider(osrm, mode).matrix([RENNES, VITRE])
    assert error.value.code == code
    assert error.value.params == params
    assert str(error.value) == error.value.message % error.value.params


def test_osrm_too_slow_is_a_timeout(osrm):
    with pytest.raises(DistanceError) as error:
        provider(osrm, "slow", timeout=0.2).matrix([RENNES, VITRE])
    assert error.value.code == distances.TIMEOUT
    assert str(error.value) == "The route service did not answer within 0.2 seconds."


def test_osrm_redirects_are_not_followed(osrm):
    with pytest.raises(DistanceError) as error:
        provider(osrm, "redirect").matrix([RENNES, VITRE])
    assert error.value.code == distances.HTTP_ERROR and error.value.params == {"status": 302}
    assert [request.split("/")[1] for request in osrm.requests] == ["redirect"]


def test_osrm_ignores_the_environments_proxy(osrm, monkeypatch):
    monkeypatch.setenv("http_proxy", "http://192.0.2.1:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://192.0.2.1:3128")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    assert provider(osrm, "ok", timeout=2).matrix([RENNES, VITRE]).distance("rennes", "vitre") == 1011


def test_osrm_not_listening_is_unreachable():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(DistanceError) as error:
        OsrmTableProvider(f"http://127.0.0.1:{port}", timeout=2).matrix([RENNES, VITRE])
    assert error.value.code == distances.UNREACHABLE


@pytest.mark.parametrize(
    "base_url, options",
    [("ftp://127.0.0.1/osrm", {}), ("file:///etc/passwd", {}), ("http://127.0.0.1/osrm?key=1", {}), ("127.0.0.1:5000", {}),
     ("http://127.0.0.1", {"profile": "../admin"}), ("http://127.0.0.1", {"timeout": 0})],
)
def test_osrm_settings_must_make_sense(base_url, options):
    with pytest.raises(ValueError):
        OsrmTableProvider(base_url, **options)


# --- cache and fallback ---------------------------------------------------------------------------


class Counting:
    """A provider that counts its calls, or fails with a DistanceError when told to."""

    def __init__(self, fail=False):
        self.inner = GreatCircleProvider()
        self.identity = "counting"
        self.calls = 0
        self.fail = fail

    def matrix(self, points):
        self.calls += 1
        if self.fail:
            raise DistanceError(distances.TIMEOUT, "No answer within %(seconds)s seconds.", seconds=10)
        matrix = self.inner.matrix(points)
        return Matrix(matrix.points, matrix.distances, matrix.durations, self.identity)


def test_the_cache_asks_the_provider_once_for_the_same_points():
    counting = Counting()
    cached = CachedProvider(counting)
    first = cached.matrix([RENNES, VITRE])
    again = cached.matrix([Point(48.1173, -1.6778, "rennes"), Point(48.1244, -1.2092, "vitre")])
    assert counting.calls == 1 and again == first
    renamed = cached.matrix([Point(RENNES.latitude, RENNES.longitude, 1), Point(VITRE.latitude, VITRE.longitude, 2)])
    assert counting.calls == 1 and renamed.distance(1, 2) == first.distance("rennes", "vitre")
    cached.matrix([VITRE, RENNES])  # another order is another matrix
    assert counting.calls == 2 and len(cached) == 2 and cached.identity == "counting"


def test_the_cache_forgets_the_least_recently_used_beyond_its_size():
    counting = Counting()
    cached = CachedProvider(counting, max_entries=2)
    cached.matrix([RENNES, VITRE])
    cached.matrix([RENNES, NANTES])
    cached.matrix([RENNES, VITRE])  # used again: now the most recent
    cached.matrix([VITRE, NANTES])  # evicts Rennes–Nantes
    assert counting.calls == 3 and len(cached) == 2
    cached.matrix([RENNES, VITRE])
    assert counting.calls == 3
    cached.matrix([RENNES, NANTES])
    assert counting.calls == 4


def test_the_cache_keeps_neither_errors_nor_fallback_estimates():
    failing = Counting(fail=True)
    with pytest.raises(DistanceError):
        CachedProvider(failing).matrix([RENNES, VITRE])
    cached = CachedProvider(FallbackProvider(failing))
    assert cached.matrix([RENNES, VITRE]).fallback is not None
    cached.matrix([RENNES, VITRE])
    assert failing.calls == 3 and len(cached) == 0  # the primary is asked again each time


def test_the_fallback_answers_with_an_estimate_only_when_the_primary_fails(osrm):
    points = [RENNES, VITRE]
    working = FallbackProvider(provider(osrm, "ok")).matrix(points)
    assert working.fallback is None and working.provider.startswith("osrm(")
    estimate = FallbackProvider(provider(osrm, "http500")).matrix(points)
    assert estimate.fallback.code == distances.HTTP_ERROR
    assert estimate.provider == GreatCircleProvider().identity
    assert estimate.distances == GreatCircleProvider().matrix(points).distances
    own = FallbackProvider(provider(osrm, "null"), GreatCircleProvider(detour_factor=D("1.5"), speed_kmh=40)).matrix(points)
    assert own.fallback.code == distances.NO_ROUTE and own.provider.startswith("great-circle(detour=1.5")
    with pytest.raises(DistanceError):  # no fallback unless asked for
        provider(osrm, "http500").matrix(points)


def test_the_fallback_does_not_hide_a_programming_error():
    with pytest.raises(ValueError):
        FallbackProvider(Counting()).matrix([RENNES, RENNES])
