"""A cache of live objects fed by watches: list once, then watch from that version.

One informer per resource kind that the apps need, restricted to objects carrying our
tracking label. A watch resumes from the last resourceVersion it saw; `410 Gone`
(history compacted) triggers a fresh list. Readers get the cached dicts, so a no-op
reconcile costs no API request at all.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kubernetes import client
from kubernetes.watch.watch import iter_resp_lines

from gitops_tui.cluster.discovery import Discovery, Resource
from gitops_tui.cluster.request import call, send
from gitops_tui.errors import GitOpsError
from gitops_tui.model import TRACKING_LABEL, ObjectRef

log = logging.getLogger(__name__)

WATCH_TIMEOUT = 240  # seconds; the server ends the watch and we resume from the last version
RETRY_MIN, RETRY_MAX = 0.2, 5.0

EventHandler = Callable[[str, dict], None]


@dataclass
class CacheStats:
    lists: int = 0
    watches: int = 0
    relists_after_gone: int = 0


class _Informer:
    def __init__(
        self, api: client.ApiClient, res: Resource, selector: str, cache: LiveCache
    ) -> None:
        self.api, self.res, self.selector, self.cache = api, res, selector, cache
        self.objects: dict[tuple[str, str], dict] = {}
        # Keys by tracking-label value: an app's objects without scanning every object.
        self.by_label: dict[str, dict[tuple[str, str], None]] = {}
        self.synced = threading.Event()
        self.failed = threading.Event()  # the last list or watch attempt failed
        self.error: str | None = None
        self.failing_since: float | None = None  # time.monotonic() of the first failure
        self._rv = ""
        self._stop = threading.Event()
        self._resp = None
        self._thread = threading.Thread(
            target=self._run, name=f"watch-{res.plural}.{res.group}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        resp = self._resp
        if resp is not None:
            # Closing the stream unblocks the thread that reads it.
            with contextlib.suppress(Exception):
                resp.shutdown()
            with contextlib.suppress(Exception):
                resp.close()
        self._thread.join(timeout=5)

    @staticmethod
    def _label(obj: dict) -> str | None:
        return (obj["metadata"].get("labels") or {}).get(TRACKING_LABEL)

    def _index(self) -> None:
        index: dict[str, dict[tuple[str, str], None]] = {}
        for key, obj in self.objects.items():
            if (value := self._label(obj)) is not None:
                index.setdefault(value, {})[key] = None
        self.by_label = index

    def _put(self, key: tuple[str, str], obj: dict | None) -> None:
        """Store (or with None, drop) one object, keeping the label index right."""
        before = self.objects.get(key)
        if before is not None and (old := self._label(before)) is not None:
            self.by_label.get(old, {}).pop(key, None)
        if obj is None:
            self.objects.pop(key, None)
            return
        self.objects[key] = obj
        if (value := self._label(obj)) is not None:
            self.by_label.setdefault(value, {})[key] = None

    def _key(self, obj: dict) -> tuple[str, str]:
        meta = obj["metadata"]
        return meta.get("namespace") or "", meta["name"]

    def _stamp(self, obj: dict) -> dict:
        # List items come without apiVersion/kind; callers need them.
        obj.setdefault("apiVersion", self.res.api_version)
        obj.setdefault("kind", self.res.kind)
        return obj

    def _list(self) -> None:
        doc = call(
            self.api,
            "GET",
            self.res.path(self.cache.namespace),
            query=[("labelSelector", self.selector)],
        )
        self.cache.stats.lists += 1
        fresh = {self._key(o): self._stamp(o) for o in doc.get("items", [])}
        old = self.objects
        self.objects = fresh
        self._index()
        self._rv = doc["metadata"]["resourceVersion"]
        self._recovered()
        # Synthesize the events a relist implies, so handlers never miss a change.
        for key, obj in fresh.items():
            before = old.get(key)
            if before is None:
                self.cache._emit("ADDED", obj)
            elif before["metadata"].get("resourceVersion") != obj["metadata"].get(
                "resourceVersion"
            ):
                self.cache._emit("MODIFIED", obj)
        for key, obj in old.items():
            if key not in fresh:
                self.cache._emit("DELETED", obj)
        self.synced.set()

    def _watch(self) -> None:
        query = [
            ("watch", "1"),
            ("labelSelector", self.selector),
            ("resourceVersion", self._rv),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", str(WATCH_TIMEOUT)),
        ]
        rest = send(
            self.api,
            "GET",
            self.res.path(self.cache.namespace),
            query=query,
            timeout=(5, WATCH_TIMEOUT + 30),
        )
        if not 200 <= rest.status < 300:
            body = rest.read().decode(errors="replace")
            raise client.ApiException(status=rest.status, reason=rest.reason, body=body)
        resp = rest.response  # the raw urllib3 response, streamed line by line
        self.cache.stats.watches += 1
        self._recovered()  # watching again, from the last version seen: nothing missed
        self._resp = resp
        try:
            for line in iter_resp_lines(resp):
                if self._stop.is_set():
                    return
                if not line:
                    continue
                event = json.loads(line)
                kind, obj = event["type"], event["object"]
                if kind == "ERROR":
                    if obj.get("code") == 410:
                        raise _Gone()
                    raise client.ApiException(status=obj.get("code"), reason=obj.get("message"))
                self._rv = obj["metadata"]["resourceVersion"]
                if kind == "BOOKMARK":
                    continue
                obj = self._stamp(obj)
                key = self._key(obj)
                self._put(key, None if kind == "DELETED" else obj)
                self.cache._emit(kind, obj)
        finally:
            self._resp = None
            resp.release_conn()

    def _run(self) -> None:
        delay = RETRY_MIN
        need_list = True
        while not self._stop.is_set():
            try:
                if need_list:
                    self._list()
                    need_list = False
                self._watch()
                delay = RETRY_MIN
            except _Gone:
                self.cache.stats.relists_after_gone += 1
                need_list = True
            except client.ApiException as e:
                if e.status == 410:
                    self.cache.stats.relists_after_gone += 1
                    need_list = True
                    continue
                self._failed(f"HTTP {e.status} {e.reason}")
                need_list = True
                self._stop.wait(delay)
                delay = min(delay * 2, RETRY_MAX)
            except Exception as e:  # connection refused/reset while the API server is away
                if self._stop.is_set():
                    return
                self._failed(str(e).splitlines()[0][:200] if str(e) else type(e).__name__)
                # Resume the watch from the last version seen; relist only on 410.
                self._stop.wait(delay)
                delay = min(delay * 2, RETRY_MAX)

    def _failed(self, message: str) -> None:
        self.error = _short(message)
        if self.failing_since is None:
            self.failing_since = time.monotonic()
        self.failed.set()
        log.debug("watch %s: %s", self.res.plural, message)

    def _recovered(self) -> None:
        self.error, self.failing_since = None, None
        self.failed.clear()


# What a connection error comes down to; urllib3's own text runs to several lines.
_CAUSES = {
    "Connection refused": "connection refused",
    "Connection reset": "connection reset",
    "Response ended prematurely": "connection dropped",
    "timed out": "timed out",
    "Name or service not known": "host not found",
}


def _short(message: str) -> str:
    cause = next((short for text, short in _CAUSES.items() if text in message), None)
    return cause or message.splitlines()[0][:200]


class WatchError(GitOpsError):
    """A kind could not be listed and watched (forbidden, or the API server is away)."""


class _Gone(Exception):
    pass


class LiveCache:
    def __init__(
        self,
        api: client.ApiClient,
        discovery: Discovery,
        selector: str = TRACKING_LABEL,
        namespace: str | None = None,
    ) -> None:
        self.api, self.discovery, self.selector = api, discovery, selector
        self.namespace = namespace  # None: every namespace
        self.stats = CacheStats()
        self._informers: dict[tuple[str, str], _Informer] = {}
        self._handlers: list[EventHandler] = []
        self._lock = threading.Lock()

    def subscribe(self, handler: EventHandler) -> None:
        self._handlers.append(handler)

    def _emit(self, kind: str, obj: dict) -> None:
        for handler in list(self._handlers):
            try:
                handler(kind, obj)
            except Exception:
                log.exception("live cache handler failed")

    def watch(self, api_version: str, kind: str, timeout: float = 30.0) -> None:
        """Make sure this kind is cached; blocks until its first list completed."""
        res = self.discovery.resource(api_version, kind)
        key = (res.group, res.plural)
        with self._lock:
            informer = self._informers.get(key)
            if informer is None:
                informer = _Informer(self.api, res, self.selector, self)
                self._informers[key] = informer
                informer.start()
        # Fail fast when the first list fails (RBAC, API down); the informer keeps
        # retrying in the background and fills the cache once it can.
        deadline = time.monotonic() + timeout
        while not informer.synced.wait(0.05):
            if informer.failed.is_set() and not informer.synced.is_set():
                raise WatchError(
                    f"cannot list {res.plural}.{res.group or 'core'}: {informer.error}"
                )
            if time.monotonic() > deadline:
                raise WatchError(
                    f"listing {res.plural}.{res.group or 'core'} did not finish in {timeout:.0f}s"
                )

    def watching(self, api_version: str, kind: str) -> bool:
        group = api_version.rpartition("/")[0]
        return any(i.res.group == group and i.res.kind == kind for i in self._informers.values())

    def get(self, ref: ObjectRef) -> dict | None:
        for informer in self._informers.values():
            if informer.res.group == ref.group and informer.res.kind == ref.kind:
                return informer.objects.get((ref.namespace, ref.name))
        return None

    def objects(self, label_value: str | None = None) -> list[dict]:
        """Every cached object, or those whose tracking label has this value."""
        out = []
        for informer in list(self._informers.values()):
            if label_value is None:
                out.extend(list(informer.objects.values()))
                continue
            objects = informer.objects
            for key in list(informer.by_label.get(label_value, ())):
                if (obj := objects.get(key)) is not None:
                    out.append(obj)
        return out

    def errors(self) -> dict[str, str]:
        return {
            f"{i.res.plural}.{i.res.group or 'core'}": i.error
            for i in self._informers.values()
            if i.error
        }

    def failing_for(self) -> float:
        """Seconds since the longest-failing watch last worked (0: every watch works)."""
        since = [i.failing_since for i in self._informers.values() if i.failing_since]
        return time.monotonic() - min(since) if since else 0.0

    def close(self) -> None:
        for informer in list(self._informers.values()):
            informer.stop()
        self._informers.clear()
