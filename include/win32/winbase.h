/* SPDX-License-Identifier: MIT */
/* <winbase.h>: on Windows a part of <windows.h>; here all of it. */
#include <windows.h>
