/* SPDX-License-Identifier: MIT */
/* <WinBase.h>: on Windows a part of <windows.h>; here all of it. */
#include <windows.h>
