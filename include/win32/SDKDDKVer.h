/* SPDX-License-Identifier: MIT */
/*
 * <SDKDDKVer.h>: on Windows it picks the highest SDK version for WINVER and
 * _WIN32_WINNT. shmap has one API level, so it only supplies the version
 * macros a program may test, unless the program set them first.
 */
#ifndef SHMAP_WIN32_SDKDDKVER_H
#define SHMAP_WIN32_SDKDDKVER_H

#define _WIN32_WINNT_WIN10 0x0A00
#ifndef _WIN32_WINNT
#define _WIN32_WINNT _WIN32_WINNT_WIN10
#endif
#ifndef WINVER
#define WINVER _WIN32_WINNT
#endif

#endif
