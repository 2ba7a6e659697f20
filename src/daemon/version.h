/* SPDX-License-Identifier: ISC */
/* version: the daemon's version, for --version, the log and mode 6. */
#ifndef STRATUM_VERSION_H
#define STRATUM_VERSION_H

#define STRATUM_VERSION "0.1.0"

#endif
