/* SPDX-License-Identifier: MIT */
// The same program as C++.
#include "win32_crt_headers.c"
