/*
 * main for programs whose entry point is wmain (_tmain with _UNICODE): it
 * lives in a static archive, so it is linked only when the program has no
 * main of its own, and it hands wmain the arguments as wide strings.
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "wtf8.h"

/* The program's wmain, required: a program that defines neither main nor
 * wmain fails to link ("undefined reference to `wmain'" in this main), as
 * on Windows, instead of starting and failing. Its C name also stands for
 * a C int wmain(void), called with arguments it ignores, as Windows' CRT
 * does; tchar.h gives a C++ int wmain() the same name. */
int wmain(int argc, wchar_t **argv);

int main(int argc, char **argv)
{
	wchar_t **w = calloc((size_t)argc + 1, sizeof *w);
	if (!w)
		return 1;
	for (int i = 0; i < argc; i++)
		if (!(w[i] = shmap__wtf8_widen(argv[i])))
			return 1;
	return wmain(argc, w);
}
