/* SPDX-License-Identifier: MIT */
/*
 * shmap: the Windows file-mapping model of inter-process communication for
 * Linux. This umbrella header includes every public header.
 */
#ifndef SHMAP_H
#define SHMAP_H

#include <shmap/common.h>
#include <shmap/object.h>
#include <shmap/map.h>
#include <shmap/guard.h>
#include <shmap/sync.h>
#include <shmap/chan.h>
#include <shmap/inspect.h>

#endif
