/* SPDX-License-Identifier: ISC */
/*
 * views: `stratum sources`, `tracking`, `status`, `counters` and
 * `mrulist`, the daemon's state as chronyc, w32tm, timedatectl and ntpq
 * show it, read over
 * NTP mode 6 (cli/ctlview) so that they work against stratumd, ntpd and
 * NTPsec.  -j prints one JSON document (doc/json.md, schemas in
 * doc/schema/).  Each takes -h HOST and -p PORT (default 127.0.0.1:123).
 */
#ifndef STRATUM_VIEWS_H
#define STRATUM_VIEWS_H

/* argv[0] is the command.  Each returns the exit status: 0, 1 (no
 * answer, server error), 2 (usage). */
int sources_main(int argc, char **argv);  /* [-v] [-n] [-j] */
int tracking_main(int argc, char **argv); /* [-n] [-j] */
int status_main(int argc, char **argv);   /* [-n] [-j] */
int counters_main(int argc, char **argv); /* [-j] */
int mrulist_main(int argc, char **argv);  /* [-n] [-j] */

#endif
