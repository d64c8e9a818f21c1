# Local ports for the servers fieldflow starts on 127.0.0.1 (sourced by manage.sh and
# runner-profiles/exec-java-smoke.sh).

# Whether something listens on 127.0.0.1:$1.
listening() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints a port nobody listens on now, picked at random from 20000 up to the kernel's ephemeral
# range (ip_local_port_range), where outgoing connections take their local ports: a port one of
# them holds cannot be listened on, and nothing shows it beforehand. Fails after 100 tries.
free_port() {
  local port tries=0 low=61000
  if [[ -r /proc/sys/net/ipv4/ip_local_port_range ]]; then
    read -r low _ </proc/sys/net/ipv4/ip_local_port_range || true
  fi
  ((low > 21000)) || low=61000
  while ((tries++ < 100)); do
    port=$((20000 + RANDOM % (low - 20000)))
    listening "$port" || { printf '%s' "$port"; return 0; }
  done
  return 1
}
