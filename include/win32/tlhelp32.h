/* SPDX-License-Identifier: MIT */
/* <tlhelp32.h>: the same header as <TlHelp32.h>. */
#include <TlHelp32.h>
