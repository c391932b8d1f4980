/* SPDX-License-Identifier: MIT */
/* <Windows.h>, as Visual Studio projects spell it: the same as <windows.h>. */
#include <windows.h>
