/* SPDX-License-Identifier: ISC */
/*
 * simself: checks of the simulator's own models (oscillator, clock
 * command semantics of core/disc.h, leap seconds) on hand-computed
 * cases, so that a scenario failure points at the core, not at the
 * simulator.
 */
#ifndef STRATUM_SIMSELF_H
#define STRATUM_SIMSELF_H

#include <stddef.h>

/* 0 when every check holds; -1 with the first failure described in
 * why[0..cap). */
int simself_run(char *why, size_t cap);

#endif
