"""Raw JSON requests through the official client's ApiClient (auth, TLS, retries kept).

The typed APIs cannot express server-side apply of arbitrary kinds, so the engine
speaks REST paths directly, the way kubectl does.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import urllib3
from kubernetes import client

from gitops_tui.cluster.clock import clock_of
from gitops_tui.errors import GitOpsError

DEFAULT_TIMEOUT = 10.0


class RequestCounter:
    """Counts the API requests made through one ApiClient (benchmarks, no-op proofs)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def hit(self) -> None:
        with self._lock:
            self.count += 1


def count_requests(api: client.ApiClient) -> RequestCounter:
    """Wrap the client's transport so every request it sends is counted."""
    counter = RequestCounter()
    original = api.call_api

    def counted(*args, **kwargs):
        counter.hit()
        return original(*args, **kwargs)

    api.call_api = counted  # type: ignore[method-assign]
    return counter


def root_reason(e: Exception) -> str:
    """The innermost cause of a urllib3 error (MaxRetryError → NewConnectionError →
    OSError), which is what an operator can act on: "Connection refused"."""
    while isinstance(inner := getattr(e, "reason", None), Exception):
        e = inner
    if isinstance(e.__context__, OSError) and not isinstance(e, OSError):
        e = e.__context__
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    text = str(e)
    return text.splitlines()[0][:160] if text else type(e).__name__


class ClusterUnreachable(GitOpsError):
    """No answer from the API server (down, restarting, or the network is gone)."""

    def __init__(self, server: str, cause: Exception) -> None:
        super().__init__(f"API server {server} unreachable: {root_reason(cause)}")


def send(
    api: client.ApiClient,
    method: str,
    path: str,
    *,
    body: Any = None,
    query: list[tuple[str, str]] | None = None,
    content_type: str = "application/json",
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
):
    """One request; returns the client's RESTResponse with the body not yet read."""
    headers = {"Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = content_type
    method, url, headers, payload, _ = api.param_serialize(
        method,
        path,
        query_params=query or [],
        header_params=headers,
        body=body,
        auth_settings=["BearerToken"],
    )
    clock = clock_of(api)
    sent = clock.local()
    try:
        resp = api.call_api(method, url, headers, payload, _request_timeout=timeout)
    except urllib3.exceptions.HTTPError as e:
        raise ClusterUnreachable(api.configuration.host, e) from None
    # Every answer refreshes what we know of the server's clock (pauses, the Lease).
    clock.observe(resp.headers.get("Date"), sent, clock.local())
    return resp


def call(
    api: client.ApiClient,
    method: str,
    path: str,
    *,
    body: Any = None,
    query: list[tuple[str, str]] | None = None,
    content_type: str = "application/json",
    timeout: float = DEFAULT_TIMEOUT,
) -> dict:
    """One request, its JSON answer decoded; a non-2xx status raises ApiException."""
    resp = send(
        api, method, path, body=body, query=query, content_type=content_type, timeout=timeout
    )
    data = resp.read()
    if not 200 <= resp.status < 300:
        raise client.ApiException(
            status=resp.status, reason=resp.reason, body=data.decode(errors="replace")
        )
    return json.loads(data) if data else {}


def get_json(api: client.ApiClient, path: str, **kw) -> dict:
    return call(api, "GET", path, **kw)
