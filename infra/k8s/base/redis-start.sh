#!/bin/sh
# Starts one container of a Redis pod (StatefulSet "redis", 3 pods): "server"
# or "sentinel". Pod redis-0 is the first primary; a pod that (re)starts asks
# the sentinels who the primary is now (after a failover it is another pod)
# and replicates it. REDIS_PASSWORD protects both.
set -eu
ME="$(hostname).redis"
ask() {
  for s in redis-0.redis redis-1.redis redis-2.redis; do
    p="$(redis-cli -h "$s" -p 26379 -a "$REDIS_PASSWORD" --no-auth-warning --raw \
      SENTINEL get-master-addr-by-name skyclass 2>/dev/null | head -n 1)" || true
    if [ -n "$p" ]; then echo "$p"; return 0; fi
  done
  return 1
}
PRIMARY="$(ask || echo redis-0.redis)"
case "$1" in
  server)
    set -- --appendonly yes --dir /data --replica-announce-ip "$ME" \
      --requirepass "$REDIS_PASSWORD" --masterauth "$REDIS_PASSWORD"
    if [ "$PRIMARY" != "$ME" ]; then set -- "$@" --replicaof "$PRIMARY" 6379; fi
    exec redis-server "$@"
    ;;
  sentinel)
    cat >/tmp/sentinel.conf <<EOF
port 26379
requirepass $REDIS_PASSWORD
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip $ME
sentinel monitor skyclass $PRIMARY 6379 2
sentinel auth-pass skyclass $REDIS_PASSWORD
sentinel down-after-milliseconds skyclass 5000
sentinel failover-timeout skyclass 60000
sentinel parallel-syncs skyclass 1
EOF
    exec redis-server /tmp/sentinel.conf --sentinel
    ;;
esac
