/* SPDX-License-Identifier: MIT */
/* <sdkddkver.h>: the same as <SDKDDKVer.h>. */
#include <SDKDDKVer.h>
