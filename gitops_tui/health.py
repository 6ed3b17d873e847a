"""Health of live objects, read from their status: what an operator would check by hand."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum


class HealthStatus(IntEnum):
    # Ordered worst-last, so an app's health is the max of its objects'.
    HEALTHY = 0
    SUSPENDED = 1
    PROGRESSING = 2
    UNKNOWN = 3
    MISSING = 4
    DEGRADED = 5

    def __str__(self) -> str:
        return self.name.capitalize()


@dataclass(frozen=True)
class Health:
    status: HealthStatus
    message: str = ""

    def __str__(self) -> str:
        return f"{self.status}: {self.message}" if self.message else str(self.status)


HEALTHY = Health(HealthStatus.HEALTHY)


def _conditions(obj: dict) -> dict[str, dict]:
    return {c.get("type"): c for c in (obj.get("status") or {}).get("conditions") or []}


def _rollout(obj: dict, kind: str) -> Health:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    meta = obj.get("metadata") or {}
    if status.get("observedGeneration", 0) < meta.get("generation", 0):
        return Health(HealthStatus.PROGRESSING, "waiting for the controller to observe the spec")
    if kind == "DaemonSet":
        want = status.get("desiredNumberScheduled", 0)
        updated = status.get("updatedNumberScheduled", 0)
        ready = status.get("numberAvailable", 0)
    else:
        want = spec.get("replicas", 1)
        updated = status.get("updatedReplicas", 0)
        ready = status.get("availableReplicas", 0)
    progressing = _conditions(obj).get("Progressing")
    if progressing and progressing.get("reason") == "ProgressDeadlineExceeded":
        return Health(
            HealthStatus.DEGRADED, f"progress deadline exceeded ({ready}/{want} available)"
        )
    if kind == "Deployment" and spec.get("paused"):
        return Health(HealthStatus.SUSPENDED, "rollout paused")
    if updated < want:
        return Health(HealthStatus.PROGRESSING, f"{updated}/{want} replicas updated")
    if ready < want:
        return Health(HealthStatus.PROGRESSING, f"{ready}/{want} replicas available")
    return HEALTHY


def object_health(obj: dict | None) -> Health:
    if obj is None:
        return Health(HealthStatus.MISSING, "not in the cluster")
    kind = obj.get("kind", "")
    status = obj.get("status") or {}
    if kind in ("Deployment", "StatefulSet", "DaemonSet"):
        return _rollout(obj, kind)
    if kind == "Service":
        if (obj.get("spec") or {}).get("type") == "LoadBalancer" and not (
            status.get("loadBalancer") or {}
        ).get("ingress"):
            return Health(HealthStatus.PROGRESSING, "waiting for a load balancer address")
        return HEALTHY
    if kind == "Ingress":
        if not (status.get("loadBalancer") or {}).get("ingress"):
            return Health(HealthStatus.PROGRESSING, "no address assigned yet")
        return HEALTHY
    if kind == "PersistentVolumeClaim":
        phase = status.get("phase")
        if phase == "Bound":
            return HEALTHY
        if phase == "Lost":
            return Health(HealthStatus.DEGRADED, "volume lost")
        return Health(HealthStatus.PROGRESSING, f"claim {phase or 'Pending'}")
    if kind == "Job":
        conds = _conditions(obj)
        if conds.get("Failed", {}).get("status") == "True":
            return Health(HealthStatus.DEGRADED, conds["Failed"].get("message") or "job failed")
        if conds.get("Complete", {}).get("status") == "True":
            return HEALTHY
        if (obj.get("spec") or {}).get("suspend"):
            return Health(HealthStatus.SUSPENDED, "job suspended")
        return Health(HealthStatus.PROGRESSING, f"{status.get('active', 0)} active")
    if kind == "Pod":
        phase = status.get("phase", "Pending")
        if phase in ("Succeeded",):
            return HEALTHY
        if phase == "Failed":
            return Health(HealthStatus.DEGRADED, status.get("reason") or "pod failed")
        for cs in status.get("containerStatuses") or []:
            waiting = (cs.get("state") or {}).get("waiting") or {}
            if waiting.get("reason") in ("CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull"):
                return Health(HealthStatus.DEGRADED, f"{cs['name']}: {waiting['reason']}")
        if _conditions(obj).get("Ready", {}).get("status") == "True":
            return HEALTHY
        return Health(HealthStatus.PROGRESSING, f"pod {phase}")
    if kind == "HorizontalPodAutoscaler":
        able = _conditions(obj).get("AbleToScale")
        if able and able.get("status") == "False":
            return Health(HealthStatus.DEGRADED, able.get("message") or "unable to scale")
        return HEALTHY
    if kind == "CustomResourceDefinition":
        if _conditions(obj).get("Established", {}).get("status") == "True":
            return HEALTHY
        return Health(HealthStatus.PROGRESSING, "not established yet")
    ready = _conditions(obj).get("Ready")
    if ready is not None:
        if ready.get("status") == "True":
            return HEALTHY
        if ready.get("status") == "False":
            return Health(HealthStatus.DEGRADED, ready.get("message") or ready.get("reason", ""))
        return Health(HealthStatus.PROGRESSING, ready.get("message") or "not ready yet")
    # ConfigMaps, Secrets, RBAC and friends have no status: present means healthy.
    return HEALTHY


def app_health(objs: Iterable[tuple[str, Health]]) -> Health:
    """The worst object's health, with which object it is."""
    worst_name, worst = "", HEALTHY
    for name, health in objs:
        if health.status > worst.status:
            worst_name, worst = name, health
    if worst.status == HealthStatus.HEALTHY:
        return HEALTHY
    return Health(worst.status, f"{worst_name}: {worst.message}" if worst.message else worst_name)
