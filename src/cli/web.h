/* SPDX-License-Identifier: ISC */
/*
 * web: `stratum web`, a small HTTP/1.1 server in its own process that
 * reads a daemon's state over mode 6 (so the daemon holds no HTTP code)
 * and serves
 *   /            a self-contained status page (web/index.html, inline CSS
 *                and JS, no external assets) that polls /api/status
 *   /api/status  the current state and the history ring as JSON
 *   /metrics     the `stratum metrics` text
 * GET and HEAD only (405 otherwise), one request per connection
 * (Connection: close), requests of at most WEB_REQ_MAX bytes (431),
 * at most WEB_MAX_CONN connections at once, WEB_TIMEOUT_MS per
 * connection (408).  On a loopback address the Host header must name an
 * address or localhost, so a page elsewhere cannot read it through DNS
 * rebinding.  Single-threaded: poll(2) over the sockets.
 */
#ifndef STRATUM_WEB_H
#define STRATUM_WEB_H

#define WEB_MAX_CONN 16
#define WEB_REQ_MAX 8192
#define WEB_TIMEOUT_MS 10000

/* The page, generated at build time from web/index.html. */
extern const char web_page[];

/* argv[0] is "web".  Runs until SIGTERM/SIGINT; returns the exit status:
 * 0 after a signal, 1 (cannot listen), 2 (usage). */
int web_main(int argc, char **argv);

#endif
