/* SPDX-License-Identifier: MIT */
/*
 * main for programs whose entry point is wmain (_tmain with _UNICODE): it
 * lives in a static archive, so it is linked only when the program has no
 * main of its own, and it hands wmain the arguments and the environment
 * (a third parameter, envp, as Windows' wmain may take) as wide strings.
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
int wmain(int argc, wchar_t **argv, wchar_t **envp);

/* A NULL-terminated wide copy of the n strings of v, or NULL. */
static wchar_t **widen_all(char **v, size_t n)
{
	wchar_t **w = calloc(n + 1, sizeof *w);
	if (!w)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!(w[i] = shmap__wtf8_widen(v[i])))
			return NULL;
	return w;
}

int main(int argc, char **argv, char **envp)
{
	size_t n = 0;
	while (envp && envp[n])
		n++;
	wchar_t **wargv = widen_all(argv, (size_t)argc);
	wchar_t **wenvp = widen_all(envp, n);
	if (!wargv || !wenvp)
		return 1;
	/* A wmain of one or two parameters ignores the rest, as the calling
	 * convention allows (Windows' CRT calls it the same way). */
	return wmain(argc, wargv, wenvp);
}
