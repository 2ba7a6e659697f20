/* SPDX-License-Identifier: ISC */
/* res: name resolution with getaddrinfo(3), UDP addresses only. */
#ifndef STRATUM_RES_H
#define STRATUM_RES_H

#include <stddef.h>
#include <stdint.h>

#include "os/udp.h"

/*
 * Resolve host to at most max addresses for UDP port `port`, family 0
 * (any), 4 or 6, duplicates removed.  Returns the count (>= 1), or -1
 * with *err set to a message (getaddrinfo's gai_strerror text).
 */
int res_lookup(const char *host, uint16_t port, int family,
    struct udp_peer *out, size_t max, const char **err);

#endif
