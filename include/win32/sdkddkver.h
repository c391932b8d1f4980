/* <sdkddkver.h>: the same as <SDKDDKVer.h>. */
#include <SDKDDKVer.h>
