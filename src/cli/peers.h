/* SPDX-License-Identifier: ISC */
/*
 * peers: `stratum peers`, the `ntpq -p` table over mode 6 (READSTAT,
 * then READVAR of every association), against stratumd, ntpd or NTPsec;
 * -j prints it as JSON (doc/json.md).
 */
#ifndef STRATUM_PEERS_H
#define STRATUM_PEERS_H

/* argv[0] is "peers".  Returns the exit status: 0, 1 (no answer, server
 * error), 2 (usage). */
int peers_main(int argc, char **argv);

#endif
