"""Leader election on a coordination.k8s.io Lease: two reconcilers never fight.

The leader renews the Lease every few seconds; a follower takes it over only after it
expired. Updates carry the Lease's resourceVersion, so two candidates cannot both win.
Times in the Lease are the API server's (see cluster/clock.py), so a candidate whose
clock is off neither takes a live Lease nor waits for a dead one. A leader that could
not renew for RENEW_DEADLINE stops leading on its own clock, before the Lease can
expire for the others: a leader cut off from the API server never writes beside the
next one.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from kubernetes import client

from gitops_tui.cluster.clock import ServerClock, clock_of
from gitops_tui.cluster.request import call

LEASE_NAME = "gitops-tui-leader"
LEASE_SECONDS = 15
RENEW_EVERY = 3.0
# Leading ends this long after the last renewal was sent, unless another renewal
# succeeds: well before LEASE_SECONDS, so a clock estimate off by a second is harmless.
RENEW_DEADLINE = 10.0
# A renewal must answer in time to count: a request that hangs longer cannot keep us leading.
RENEW_TIMEOUT = 5.0


def _micro(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(s: str | None) -> dt.datetime | None:
    if not s:
        return None
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


@dataclass
class LeaderInfo:
    holder: str
    is_self: bool
    renewed_at: dt.datetime | None


class LeaderElector:
    def __init__(self, api: client.ApiClient, namespace: str, identity: str) -> None:
        self.api, self.namespace, self.identity = api, namespace, identity
        self.path = f"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases"
        self.info = LeaderInfo("", False, None)
        self._lead_until = 0.0  # on self.clock.local(): when our last renewal runs out
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.changed = threading.Event()

    @property
    def clock(self) -> ServerClock:
        return clock_of(self.api)

    @property
    def is_leader(self) -> bool:
        # Checked before every write: holding the Lease is not enough once it may have
        # run out for the others.
        return self.info.is_self and self.clock.local() < self._lead_until

    def try_acquire(self) -> bool:
        """One attempt to take or renew the lease; True when we lead afterwards."""
        sent = self.clock.local()
        t = self.clock.precise()
        spec = {
            "holderIdentity": self.identity,
            "leaseDurationSeconds": LEASE_SECONDS,
            "renewTime": _micro(t),
        }
        try:
            lease = call(self.api, "GET", f"{self.path}/{LEASE_NAME}", timeout=RENEW_TIMEOUT)
        except client.ApiException as e:
            if e.status != 404:
                raise
            body = {
                "apiVersion": "coordination.k8s.io/v1",
                "kind": "Lease",
                "metadata": {"name": LEASE_NAME, "namespace": self.namespace},
                "spec": {**spec, "acquireTime": _micro(t), "leaseTransitions": 0},
            }
            try:
                call(self.api, "POST", self.path, body=body, timeout=RENEW_TIMEOUT)
            except client.ApiException as e2:
                if e2.status == 409:
                    return self._set(None)
                raise
            return self._set(body, sent)
        current = lease.get("spec") or {}
        holder = current.get("holderIdentity") or ""
        renewed = _parse(current.get("renewTime"))
        duration = current.get("leaseDurationSeconds") or LEASE_SECONDS
        expired = renewed is None or renewed + dt.timedelta(seconds=duration) < t
        if holder and holder != self.identity and not expired:
            return self._set(lease)
        new_spec = dict(current, **spec)
        if holder != self.identity:
            new_spec["acquireTime"] = _micro(t)
            new_spec["leaseTransitions"] = current.get("leaseTransitions", 0) + 1
        lease["spec"] = new_spec
        try:
            updated = call(
                self.api, "PUT", f"{self.path}/{LEASE_NAME}", body=lease, timeout=RENEW_TIMEOUT
            )
        except client.ApiException as e:
            if e.status == 409:  # another candidate renewed or took it first
                return self._set(None)
            raise
        return self._set(updated, sent)

    def _set(self, lease: dict | None, renewed: float | None = None) -> bool:
        """What the last answer said; `renewed`: the local time our winning write was sent."""
        if lease is None:
            was = self.info.is_self
            self.info = LeaderInfo(self.info.holder, False, self.info.renewed_at)
            if was:
                self.changed.set()
            return False
        spec = lease.get("spec") or {}
        holder = spec.get("holderIdentity") or ""
        info = LeaderInfo(holder, holder == self.identity, _parse(spec.get("renewTime")))
        if info.is_self and renewed is not None:
            self._lead_until = renewed + RENEW_DEADLINE
        if info.is_self != self.info.is_self or info.holder != self.info.holder:
            self.changed.set()
        self.info = info
        return self.is_leader

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                self.try_acquire()
            except Exception:
                # Unreachable API server: we cannot prove we still lead, so we don't.
                self._set(None)
            self._stop.wait(RENEW_EVERY)

    @property
    def started(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="leader-election", daemon=True)
        self._thread.start()

    def stop(self, release: bool = True) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        if release and self.info.is_self:
            try:
                lease = call(self.api, "GET", f"{self.path}/{LEASE_NAME}")
                lease["spec"]["holderIdentity"] = ""
                lease["spec"]["renewTime"] = None
                call(self.api, "PUT", f"{self.path}/{LEASE_NAME}", body=lease)
            except Exception:
                pass  # expiry hands it over anyway
            self._set(None)
