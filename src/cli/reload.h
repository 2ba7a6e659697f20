/* SPDX-License-Identifier: ISC */
/*
 * reload: `stratum reload`, asks the local stratumd to re-read its
 * configuration (as SIGHUP does) over NTP mode 6, authorised by the
 * secret the daemon wrote to RUNDIR/reload.key (doc/security.md), and
 * prints its answer: what changed, or the errors of a rejected file.
 */
#ifndef STRATUM_RELOAD_CLI_H
#define STRATUM_RELOAD_CLI_H

/* argv[0] is "reload".  Returns the exit status: 0 applied, 1 rejected or
 * no answer, 2 usage. */
int reload_main(int argc, char **argv);

#endif
