/*
 * main for programs whose entry point is wmain (_tmain with _UNICODE): it
 * lives in a static archive, so it is linked only when the program has no
 * main of its own, and it hands wmain the arguments as wide strings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "wtf8.h"

/* The program's wmain. Its C name also stands for a C int wmain(void),
 * called with arguments it ignores, as Windows' CRT does; a C++ int
 * wmain() has C++ linkage (tchar.h gives C linkage only to the two-argument
 * form) and its own name. Weak, so either may be missing. */
int wmain(int argc, wchar_t **argv) __attribute__((weak));
int shmap_w32_wmain_noargs(void) __asm__("_Z5wmainv") __attribute__((weak));

int main(int argc, char **argv)
{
	wchar_t **w = calloc((size_t)argc + 1, sizeof *w);
	if (!w)
		return 1;
	for (int i = 0; i < argc; i++)
		if (!(w[i] = shmap__wtf8_widen(argv[i])))
			return 1;
	if (wmain)
		return wmain(argc, w);
	if (shmap_w32_wmain_noargs)
		return shmap_w32_wmain_noargs();
	fputs("shmap-win32main: the program defines neither main nor wmain\n",
	      stderr);
	return 1;
}
