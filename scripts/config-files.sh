# Configuration files the scripts write (sourced by demo.sh, bench-sync.sh, gen-link-order.sh).

# write_interimap_config FILE DATABASE TUNNEL_COMMAND IMAPS_PORT USER PASSWORD CAFILE [COMPRESS]
# interimap's configuration (read by imapctl sync and interimap alike): the local side a tunnel,
# the remote an imaps server on 127.0.0.1. COMPRESS (YES/NO) is left to the defaults when empty.
write_interimap_config() {
    {
        printf 'database = %s\n[local]\ntype = tunnel\ncommand = %s\nnull-stderr = YES\n' "$2" "$3"
        printf '[remote]\ntype = imaps\nhost = 127.0.0.1\nport = %s\nusername = %s\npassword = %s\nSSL_CAfile = %s\n' \
            "$4" "$5" "$6" "$7"
        [ -z "${8:-}" ] || printf 'compress = %s\n' "$8"
    } > "$1"
}

# write_worker_config FILE STORE_PATH CA_FILE NATS_URL WORKER_ID
# imapworker's (and imapctl's) YAML: the store, the CA the test Dovecot's certificate chains to,
# the NATS server, the worker's id.
write_worker_config() {
    printf 'store:\n  path: %s\nimap:\n  tls:\n    ca_file: %s\nnats:\n  url: %s\nworker:\n  id: %s\n' \
        "$2" "$3" "$4" "$5" > "$1"
}
