#!/usr/bin/env python3
"""Fails when the Kubernetes manifests drift from the code.

Usage: check-manifests.py RENDERED.yaml [RENDERED.yaml ...]

For every service binary in the workspace (`services/<name>/Cargo.toml` with
a `[[bin]]` named `orderflow-<name>`; the CLI is not a service), each
rendered overlay must have:
- a Deployment `<name>` whose container runs `orderflow-<name>`, exposes the
  service's DEFAULT_PORT (from `services/<name>/src/config.rs`) and the
  plaintext health port (HEALTH_PORT), listens on them (`GRPC_ADDR` ends
  with `:<port>`, `HEALTH_ADDR` with `:<health port>`), and probes the health
  port with gRPC (readiness on the overall health, liveness on `liveness`);
- a Service `<name>` on that port;
- every variable the service needs set, directly or through a ConfigMap it
  loads: `GRPC_ADDR`, `DATABASE_URL` (the default is a local SQLite file),
  `NATS_URL`, `OTEL_EXPORTER_OTLP_ENDPOINT`, and each `<PEER>_URL` its
  config reads.

In the prod overlay (issue 17), gRPC speaks TLS: every service has
`GRPC_TLS_CERT_FILE`, `GRPC_TLS_KEY_FILE` and `GRPC_TLS_CA_FILE` set to files
of a mounted volume, and calls every peer over `https://`.

And, for operations, in every overlay:
- no Deployment sets `replicas` when a HorizontalPodAutoscaler manages it
  (an apply would reset the scale);
- every service Deployment spreads its pods (`topologySpreadConstraints` on
  the node), has a preStop hook on its container, a `migrate` init container
  running `orderflow-<name> migrate`, `MIGRATE_ON_START=false`, and a
  termination grace period at least its drain budget: preStop wait +
  3 × SHUTDOWN_GRACE_SECS (calls, then background tasks, then the relay's
  final pass) + 5 s of telemetry flush;
- every image is pinned: a tag with a full `x.y.z` version or a digest (no
  `latest`, no floating `2.10-alpine`; PostgreSQL's major.minor is a patch
  release), the locally built `orderflow:dev` of the dev overlay excepted.
"""

import json
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
ALWAYS = ["GRPC_ADDR", "HEALTH_ADDR", "DATABASE_URL", "NATS_URL", "OTEL_EXPORTER_OTLP_ENDPOINT"]
# Health alone, in plaintext, for the kubelet's probes (`HEALTH_ADDR`).
HEALTH_PORT = 8081
TLS_FILES = ["GRPC_TLS_CERT_FILE", "GRPC_TLS_KEY_FILE", "GRPC_TLS_CA_FILE"]


def services():
    found = {}
    for cargo in sorted((ROOT / "services").glob("*/Cargo.toml")):
        name = cargo.parent.name
        binary = re.search(r'\[\[bin\]\]\s*name = "([^"]+)"', cargo.read_text())
        if not binary or binary.group(1) != f"orderflow-{name}":
            continue
        config = (cargo.parent / "src" / "config.rs").read_text()
        port = re.search(r"DEFAULT_PORT: u16 = (\d+);", config)
        if not port:
            raise SystemExit(f"services/{name}/src/config.rs has no DEFAULT_PORT")
        peers = sorted(set(re.findall(r'"([A-Z]+_URL)"', config)) - {"DATABASE_URL", "NATS_URL"})
        found[name] = (int(port.group(1)), ALWAYS + peers)
    return found


def check(path, expected):
    documents = [doc for doc in yaml.safe_load_all(pathlib.Path(path).read_text()) if doc]
    by_kind = {}
    for doc in documents:
        by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    config_maps = by_kind.get("ConfigMap", {})
    problems = []
    for name, (port, required) in expected.items():
        where = f"{path}: {name}"
        deployment = by_kind.get("Deployment", {}).get(name)
        service = by_kind.get("Service", {}).get(name)
        if deployment is None:
            problems.append(f"{where}: no Deployment")
            continue
        if service is None:
            problems.append(f"{where}: no Service")
        elif [p.get("port") for p in service["spec"]["ports"]] != [port]:
            problems.append(f"{where}: Service ports {service['spec']['ports']} are not [{port}]")
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        if container.get("command") != [f"orderflow-{name}"]:
            problems.append(f"{where}: runs {container.get('command')}, not orderflow-{name}")
        if [p["containerPort"] for p in container.get("ports", [])] != [port, HEALTH_PORT]:
            problems.append(f"{where}: container ports are not [{port}, {HEALTH_PORT}]")
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            grpc = container.get(probe, {}).get("grpc")
            if not grpc or grpc.get("port") != HEALTH_PORT:
                problems.append(f"{where}: {probe} is not a gRPC probe on {HEALTH_PORT}")
        if container.get("livenessProbe", {}).get("grpc", {}).get("service") != "liveness":
            problems.append(f"{where}: the liveness probe must ask for the `liveness` service")
        env = {item["name"]: item for item in container.get("env", [])}
        for source in container.get("envFrom", []):
            ref = source.get("configMapRef", {}).get("name")
            if ref not in config_maps:
                problems.append(f"{where}: loads ConfigMap {ref}, which is not rendered")
                continue
            for key in config_maps[ref].get("data", {}):
                env.setdefault(key, {"name": key})
        for variable in required:
            if variable not in env:
                problems.append(f"{where}: {variable} is not set")
        grpc_addr = env.get("GRPC_ADDR", {}).get("value", "")
        if not grpc_addr.endswith(f":{port}"):
            problems.append(f"{where}: GRPC_ADDR {grpc_addr!r} does not listen on {port}")
        health_addr = env.get("HEALTH_ADDR", {}).get("value", "")
        if not health_addr.endswith(f":{HEALTH_PORT}"):
            problems.append(f"{where}: HEALTH_ADDR {health_addr!r} does not listen on {HEALTH_PORT}")
        if pathlib.Path(path).stem == "prod":
            problems += tls(where, required, container, env)
        problems += operations(where, name, deployment, container, env, config_maps)
    problems += scaling_and_images(path, by_kind)
    problems += network(path, expected, by_kind)
    problems += nats_security(path, expected, by_kind)
    return problems


def tls(where, required, container, env):
    """Issue 17: the prod overlay's services speak TLS and call their peers
    over it."""
    problems = []
    mounts = [mount["mountPath"] for mount in container.get("volumeMounts", [])]
    for variable in TLS_FILES:
        value = env.get(variable, {}).get("value", "")
        if not any(value.startswith(mount.rstrip("/") + "/") for mount in mounts):
            problems.append(f"{where}: {variable} {value!r} is not a file of a mounted volume")
    for variable in required:
        if variable.endswith("_URL") and variable not in ("DATABASE_URL", "NATS_URL", "OTEL_EXPORTER_OTLP_ENDPOINT"):
            url = env.get(variable, {}).get("value", "")
            if not url.startswith("https://"):
                problems.append(f"{where}: {variable} {url!r} is not https://")
    return problems


def nats_security(path, expected, by_kind):
    """Issue 16: every service logs in to NATS as itself (its password from
    `nats-users`) with its own permissions (issue 17: the base's
    `nats-authorization`, included by each overlay's NATS); in the prod
    overlay NATS also requires TLS, and its routes mutual TLS."""
    problems = []
    for name in expected:
        deployment = by_kind.get("Deployment", {}).get(name)
        if deployment is None:
            continue
        env = {item["name"]: item for item in deployment["spec"]["template"]["spec"]["containers"][0].get("env", [])}
        ref = env.get("NATS_PASSWORD", {}).get("valueFrom", {}).get("secretKeyRef", {})
        if (ref.get("name"), ref.get("key")) != ("nats-users", name):
            problems.append(f"{path}: {name}: no NATS_PASSWORD from nats-users/{name}")
    config_maps = by_kind.get("ConfigMap", {})
    conf = config_maps.get("nats-config", {}).get("data", {}).get("nats.conf", "")
    authorization = config_maps.get("nats-authorization", {}).get("data", {}).get("authorization.conf", "")
    if "include authorization.conf" not in conf:
        authorization = ""
    for name in expected:
        if not re.search(rf"user: {name}\s+password: \${name.upper()}_PASSWORD\s+permissions:", authorization):
            problems.append(f"{path}: NATS has no user {name} with its own permissions")
    if "prod" in pathlib.Path(path).name:
        cluster = conf.split("cluster {", 1)[1] if "cluster {" in conf else ""
        if "tls {" not in conf.split("cluster {", 1)[0]:
            problems.append(f"{path}: NATS clients are not required to use TLS")
        if "verify: true" not in cluster:
            problems.append(f"{path}: NATS routes are not mutual TLS")
    return problems


def network(path, expected, by_kind):
    """Issue 16: clients in other namespaces reach every service, and every
    service reaches a database outside the private 10.0.0.0/8 range."""
    problems = []
    policies = by_kind.get("NetworkPolicy", {})
    for name in expected:
        ingress = policies.get(f"{name}-ingress")
        peers = [peer for rule in (ingress or {}).get("spec", {}).get("ingress", []) for peer in rule.get("from", [])]
        if not any("namespaceSelector" in peer for peer in peers):
            problems.append(f"{path}: {name}: no client from another namespace may call it")
    database = [
        rule
        for policy in policies.values()
        if policy["spec"].get("podSelector", {}).get("matchLabels", {}).get("orderflow.io/component") == "service"
        for rule in policy["spec"].get("egress", [])
        if any(port.get("port") == 5432 for port in rule.get("ports", []))
    ]
    external = [
        peer["ipBlock"]["cidr"]
        for rule in database
        for peer in rule.get("to", [])
        if "ipBlock" in peer
    ]
    if not external:
        problems.append(f"{path}: the services may reach no database outside the cluster")
    for policy in policies.values():
        for rule in policy["spec"].get("egress", []):
            for peer in rule.get("to", []):
                if peer.get("ipBlock", {}).get("cidr") == "10.0.0.0/8":
                    problems.append(f"{path}: {policy['metadata']['name']}: egress only to 10.0.0.0/8")
    return problems


def operations(where, name, deployment, container, env, config_maps):
    problems = []
    pod = deployment["spec"]["template"]["spec"]
    if not any(
        constraint.get("topologyKey") == "kubernetes.io/hostname"
        for constraint in pod.get("topologySpreadConstraints", [])
    ):
        problems.append(f"{where}: no topology spread over nodes")
    pre_stop = container.get("lifecycle", {}).get("preStop", {})
    wait = 0
    command = pre_stop.get("exec", {}).get("command", [])
    if command[:1] == ["sleep"] and len(command) == 2:
        wait = int(command[1])
    elif "sleep" in pre_stop:
        wait = int(pre_stop["sleep"]["seconds"])
    else:
        problems.append(f"{where}: no preStop wait on the container")
    grace = 20
    for config_map in config_maps.values():
        grace = int(config_map.get("data", {}).get("SHUTDOWN_GRACE_SECS", grace))
    budget = wait + 3 * grace + 5
    if pod.get("terminationGracePeriodSeconds", 30) < budget:
        problems.append(
            f"{where}: terminationGracePeriodSeconds {pod.get('terminationGracePeriodSeconds', 30)} "
            f"is below the drain budget {budget}"
        )
    migrate = [c for c in pod.get("initContainers", []) if c.get("command") == [f"orderflow-{name}", "migrate"]]
    if not migrate:
        problems.append(f"{where}: no init container running orderflow-{name} migrate")
    if env.get("MIGRATE_ON_START", {}).get("value") != "false":
        problems.append(f"{where}: MIGRATE_ON_START is not \"false\" (the init container migrates)")
    return problems


PINNED = re.compile(r"(@sha256:[0-9a-f]{64}$)|(:v?\d+\.\d+\.\d+[^:/]*$)")
# Images whose releases are numbered major.minor (PostgreSQL 16.6 is a patch
# release of 16): two numbers pin them.
MAJOR_MINOR = re.compile(r"^(docker\.io/)?(library/)?postgres:\d+\.\d+[^:/]*$")


def scaling_and_images(path, by_kind):
    problems = []
    for hpa in by_kind.get("HorizontalPodAutoscaler", {}).values():
        target = hpa["spec"]["scaleTargetRef"]["name"]
        deployment = by_kind.get("Deployment", {}).get(target)
        if deployment is not None and "replicas" in deployment["spec"]:
            problems.append(f"{path}: {target}: sets replicas while an HPA manages it")
    for kind in ("Deployment", "StatefulSet"):
        for name, workload in by_kind.get(kind, {}).items():
            pod = workload["spec"]["template"]["spec"]
            for container in pod.get("containers", []) + pod.get("initContainers", []):
                image = container["image"]
                if image.split(":")[0] == "orderflow" and "dev" in path:
                    continue
                if not PINNED.search(image) and not MAJOR_MINOR.search(image):
                    problems.append(f"{path}: {name}: image {image!r} is not pinned to a version")
    return problems


def exported_metrics():
    """The Prometheus names of the metrics the platform exports
    (services/platform/src/metrics.rs), as an OTLP → Prometheus translation
    names them: dots to underscores, `_seconds` for a unit of s, `_total`
    for counters, `_bucket`/`_count`/`_sum` for histograms."""
    source = (ROOT / "services/platform/src/metrics.rs").read_text()
    names = set()
    for kind, name, unit in re.findall(r'\.(f64_histogram|u64_gauge|u64_counter)\("([a-z_.]+)"\)\s*\.with_unit\("([^"]*)"\)', source):
        base = name.replace(".", "_") + ("_seconds" if unit == "s" else "")
        if kind.endswith("histogram"):
            names |= {base + suffix for suffix in ("_bucket", "_count", "_sum")}
        elif kind.endswith("counter"):
            names.add(base + "_total")
        else:
            names.add(base)
    return names


def dashboards():
    """Every query of the Grafana dashboards names a metric that exists."""
    known = exported_metrics()
    problems = [] if known else ["no metrics found in services/platform/src/metrics.rs"]
    for path in sorted((ROOT / "k8s/overlays/dev/observability").glob("*-dashboard.json")):
        dashboard = json.loads(path.read_text())
        panels = [p for p in dashboard["panels"] if p.get("type") != "row"]
        for panel in panels:
            for target in panel.get("targets", []):
                used = set(re.findall(r"\b((?:rpc|messaging|orderflow)_[a-z_]+)\b(?=\{|\[)", target["expr"]))
                if not used:
                    problems.append(f"{path.name}: {panel['title']}: no metric in {target['expr']!r}")
                for name in used - known:
                    problems.append(f"{path.name}: {panel['title']}: no metric {name} is exported")
    return problems


def main():
    expected = services()
    if not expected:
        raise SystemExit("no services found")
    problems = dashboards()
    for path in sys.argv[1:]:
        problems += check(path, expected)
    for problem in problems:
        print(f"manifest drift: {problem}", file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"manifests match the code: {', '.join(sorted(expected))} in {len(sys.argv) - 1} overlays")


if __name__ == "__main__":
    main()
