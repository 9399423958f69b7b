#!/usr/bin/env python3
"""Checks the deployment files without running them (no Docker engine or cluster here):

- deploy/k8s/: kubernetes-validate --strict against the current Kubernetes schema, then the project's own rules:
  every container non-root, read-only root filesystem, all capabilities dropped, RuntimeDefault seccomp, no privilege
  escalation, requests and limits; secrets only from Secret volumes (no literal secret values in env); probes on
  /ready and /health; a PodDisruptionBudget for the API; a NetworkPolicy that limits worker ingress to the metrics port.
- deploy/prometheus/: promtool check rules and promtool test rules (PROMTOOL, default promtool on PATH).
- deploy/compose.yaml and Dockerfile: structural rules (multi-stage, user 10001, HEALTHCHECK, read-only, secrets as files).

Exit status 0 when everything holds; each failure is printed as one line.
"""
import os
import re
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
failures = []


def fail(message):
    failures.append(message)
    print("FAIL " + message)


def ok(message):
    print("ok   " + message)


def check(condition, message):
    (ok if condition else fail)(message)


SECRET_NAMES = re.compile(r"SECRET|PASSWORD|TOKEN|CATALOG_URL$|HS256", re.IGNORECASE)


def kubernetes():
    directory = os.path.join(ROOT, "deploy", "k8s")
    files = sorted(os.path.join(directory, name) for name in os.listdir(directory) if name.endswith((".yaml", ".yml")))
    result = subprocess.run(["kubernetes-validate", "--strict", "--quiet", *files], capture_output=True, text=True)
    check(result.returncode == 0, "kubernetes-validate --strict accepts deploy/k8s " + (result.stdout + result.stderr).strip())
    objects = [document for path in files for document in yaml.safe_load_all(open(path)) if document]
    by_kind = {}
    for document in objects:
        by_kind.setdefault(document["kind"], []).append(document)
    deployments = {d["metadata"]["name"]: d for d in by_kind.get("Deployment", [])}
    check(set(deployments) == {"airlock-api", "airlock-worker"}, "an API and a worker Deployment")
    check(deployments.get("airlock-api", {}).get("spec", {}).get("replicas") == 2, "the API runs 2 replicas")
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        context = pod.get("securityContext", {})
        check(context.get("runAsNonRoot") is True and context.get("runAsUser") == 10001, f"{name}: pod runs as non-root user 10001")
        check(context.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{name}: pod seccomp RuntimeDefault")
        check(pod.get("automountServiceAccountToken") is False, f"{name}: no service account token")
        for container in pod["containers"]:
            label = f"{name}/{container['name']}"
            security = container.get("securityContext", {})
            check(security.get("readOnlyRootFilesystem") is True, f"{label}: read-only root filesystem")
            check(security.get("allowPrivilegeEscalation") is False, f"{label}: no privilege escalation")
            check(security.get("capabilities", {}).get("drop") == ["ALL"], f"{label}: drops all capabilities")
            resources = container.get("resources", {})
            check(all(k in resources.get(kind, {}) for kind in ("requests", "limits") for k in ("cpu", "memory")), f"{label}: cpu and memory requests and limits")
            for variable in container.get("env", []):
                if SECRET_NAMES.search(variable["name"]) and not variable["name"].endswith("_FILE"):
                    fail(f"{label}: secret {variable['name']} set as an environment value (use a Secret file and _FILE)")
            mounts = {m["mountPath"]: m for m in container.get("volumeMounts", [])}
            check("/tmp" in mounts, f"{label}: a writable /tmp for scan temp files")
            volumes = {v["name"]: v for v in pod.get("volumes", [])}
            secret_volumes = [v for v in volumes.values() if "secret" in v]
            check(any(m["name"] in {v["name"] for v in secret_volumes} and m.get("readOnly") for m in mounts.values()), f"{label}: secrets mounted read-only from a Secret")
    api = deployments.get("airlock-api", {}).get("spec", {}).get("template", {}).get("spec", {}).get("containers", [{}])[0]
    check(api.get("readinessProbe", {}).get("httpGet", {}).get("path") == "/ready", "API readiness on /ready")
    check(api.get("livenessProbe", {}).get("httpGet", {}).get("path") == "/health", "API liveness on /health")
    worker = deployments.get("airlock-worker", {}).get("spec", {}).get("template", {}).get("spec", {}).get("containers", [{}])[0]
    check(any(p.get("containerPort") == 9464 for p in worker.get("ports", [])), "worker exposes the metrics port")
    check(any(b["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": "airlock-api"} for b in by_kind.get("PodDisruptionBudget", [])), "a PodDisruptionBudget for the API")
    policies = {p["metadata"]["name"]: p for p in by_kind.get("NetworkPolicy", [])}
    deny = policies.get("default-deny", {}).get("spec", {})
    check(deny.get("podSelector") == {} and set(deny.get("policyTypes", [])) == {"Ingress", "Egress"}, "a default-deny policy for the namespace")
    worker_policy = policies.get("airlock-worker", {}).get("spec", {})
    ingress_ports = [port for rule in worker_policy.get("ingress", []) for port in rule.get("ports", [])]
    check(ingress_ports == [{"protocol": "TCP", "port": 9464}], "worker ingress only on the metrics port")
    egress_ports = sorted({port["port"] for rule in worker_policy.get("egress", []) for port in rule.get("ports", [])})
    check(egress_ports == [53, 443, 3310, 5432], f"worker egress only to DNS, the store/webhooks, clamd and PostgreSQL ({egress_ports})")
    for kind in ("Secret",):
        check(kind not in by_kind, "no Secret objects with values in deploy/k8s")


def prometheus():
    promtool = os.environ.get("PROMTOOL", "promtool")
    directory = os.path.join(ROOT, "deploy", "prometheus")
    for arguments in (["check", "rules", "airlock-rules.yaml"], ["test", "rules", "airlock-rules.test.yaml"]):
        result = subprocess.run([promtool, *arguments], cwd=directory, capture_output=True, text=True)
        check(result.returncode == 0, "promtool " + " ".join(arguments) + ("" if result.returncode == 0 else ": " + result.stdout + result.stderr))


def compose():
    document = yaml.safe_load(open(os.path.join(ROOT, "deploy", "compose.yaml")))
    services = document.get("services", {})
    check({"api", "worker", "postgres", "clamd", "migrate"} <= set(services), "compose: api, worker, migrate, postgres and clamd")
    for name in ("api", "worker", "migrate"):
        service = services.get(name, {})
        check(service.get("read_only") is True and service.get("user") == "10001:10001", f"compose {name}: read-only, user 10001")
        check(service.get("cap_drop") == ["ALL"], f"compose {name}: drops all capabilities")
        environment = service.get("environment", {})
        literal = [k for k, v in environment.items() if SECRET_NAMES.search(k) and not k.endswith("_FILE")]
        check(not literal, f"compose {name}: secrets only as files ({literal})")
        check(environment.get("AIRLOCK_STORE_ENDPOINT", "").startswith("${AIRLOCK_STORE_ENDPOINT:?"), f"compose {name}: the store endpoint must be given")
    check(services.get("api", {}).get("environment", {}).get("AIRLOCK_WORKER_ENABLED") == "false", "compose api: the worker runs in its own service")
    check(services.get("api", {}).get("depends_on", {}).get("migrate", {}).get("condition") == "service_completed_successfully", "compose api: starts after migrations")


def dockerfile():
    text = open(os.path.join(ROOT, "Dockerfile")).read()
    instructions = [line.split(None, 1) for line in re.sub(r"\\\n", " ", text).splitlines() if line.strip() and not line.lstrip().startswith("#")]
    stages = [arguments for keyword, *arguments in instructions if keyword == "FROM"]
    check(len(stages) == 2 and "AS build" in stages[0][0], "Dockerfile: a build stage and a runtime stage")
    runtime = instructions[[i for i, (keyword, *_) in enumerate(instructions) if keyword == "FROM"][-1]:]
    keywords = {keyword: arguments[0] if arguments else "" for keyword, *arguments in runtime}
    check(keywords.get("USER", "").startswith("10001"), "Dockerfile: runs as user 10001")
    check("HEALTHCHECK" in keywords and "/health" in keywords["HEALTHCHECK"], "Dockerfile: HEALTHCHECK on /health")
    check("--static-swift-stdlib" in text, "Dockerfile: the Swift runtime is linked statically")
    runs = " ".join(arguments[0] for keyword, *arguments in runtime if keyword == "RUN" and arguments)
    check(runs and not re.search(r"swift|-dev\b", runs), "Dockerfile: no toolchain or -dev packages in the runtime stage")
    check(all(len(arguments) == 1 and arguments[0].startswith("[") for keyword, *arguments in runtime if keyword in ("ENTRYPOINT", "CMD")), "Dockerfile: exec-form ENTRYPOINT and CMD")


kubernetes()
prometheus()
compose()
dockerfile()
if failures:
    print(f"deploy check: {len(failures)} failure(s)")
    sys.exit(1)
print("deploy check: all rules hold")
