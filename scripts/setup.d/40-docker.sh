#!/usr/bin/env bash
# Docker engine for the deep-scan sandboxes: installed by 10-system (docker.io); started here
# by hand when no init system runs it (containers, CI machines), then waited for.
set -euo pipefail
if docker info >/dev/null 2>&1; then
  echo "docker engine already running: $(docker version --format '{{.Server.Version}}')"; exit 0
fi
command -v dockerd >/dev/null || { $SUDO apt-get install -y -qq --no-install-recommends docker.io >/dev/null; }
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  $SUDO systemctl start docker || true
fi
if ! docker info >/dev/null 2>&1; then
  log=/var/log/slopspotter-dockerd.log
  echo "starting dockerd (log: $log)"
  $SUDO bash -c "nohup dockerd >>$log 2>&1 &"
fi
for _ in $(seq 1 90); do
  docker info >/dev/null 2>&1 && { echo "docker engine up: $(docker version --format '{{.Server.Version}}')"; exit 0; }
  sleep 1
done
echo "docker engine did not come up; last log lines:" >&2
tail -20 /var/log/slopspotter-dockerd.log >&2 || true
exit 1
