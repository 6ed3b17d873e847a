"""Health rules, on status blocks shaped as the API server writes them."""

from gitops_tui.health import HealthStatus, app_health, object_health


def deploy(replicas=2, updated=2, available=2, gen=3, observed=3, **extra):
    return {
        "kind": "Deployment",
        "metadata": {"generation": gen},
        "spec": {"replicas": replicas, **extra},
        "status": {
            "observedGeneration": observed,
            "updatedReplicas": updated,
            "availableReplicas": available,
        },
    }


def test_rollout_states():
    assert object_health(deploy()).status == HealthStatus.HEALTHY
    assert object_health(deploy(observed=2)).status == HealthStatus.PROGRESSING
    h = object_health(deploy(updated=1))
    assert h.status == HealthStatus.PROGRESSING and h.message == "1/2 replicas updated"
    stuck = deploy(available=0)
    stuck["status"]["conditions"] = [
        {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}
    ]
    assert object_health(stuck).status == HealthStatus.DEGRADED


def test_job_pvc_and_custom_resource_conditions():
    failed = {"kind": "Job", "status": {"conditions": [{"type": "Failed", "status": "True"}]}}
    assert object_health(failed).status == HealthStatus.DEGRADED
    pvc = {"kind": "PersistentVolumeClaim", "status": {"phase": "Pending"}}
    assert object_health(pvc).status == HealthStatus.PROGRESSING
    cr = {
        "kind": "Widget",
        "status": {"conditions": [{"type": "Ready", "status": "False", "message": "no quota"}]},
    }
    assert object_health(cr).message == "no quota"
    assert object_health({"kind": "ConfigMap"}).status == HealthStatus.HEALTHY
    assert object_health(None).status == HealthStatus.MISSING


def test_app_health_is_the_worst_object_with_its_name():
    h = app_health(
        [
            ("ConfigMap a", object_health({"kind": "ConfigMap"})),
            ("Deployment web", object_health(deploy(updated=1))),
            ("Service web", object_health({"kind": "Service", "spec": {}})),
        ]
    )
    assert h.status == HealthStatus.PROGRESSING
    assert h.message == "Deployment web: 1/2 replicas updated"
