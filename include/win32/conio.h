/* SPDX-License-Identifier: MIT */
/*
 * <conio.h>: console input and output of Microsoft's C runtime.
 *
 * Input is read from descriptor 0 directly, past stdio's buffer. From a
 * terminal it is unbuffered and, for _getch, not echoed: the terminal is
 * put in raw input mode (no line editing, no echo, no signal keys, CR not
 * turned into LF) for the one read and restored after, so Enter reads as
 * '\r' and Ctrl+C as 3, as on Windows. From a pipe or file the bytes are
 * read as they are. At the end of the input (or on a read error) _getch
 * and _getche return EOF, where a Windows console would wait for a key.
 */
#ifndef SHMAP_WIN32_CONIO_H
#define SHMAP_WIN32_CONIO_H

#include <windows.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Reads one character without echo and returns it (0..255), or EOF at the
 * end of the input or on a read error. */
SHMAP_W32API int _getch(void);
/* As _getch, and echoes the character read with _putch. */
SHMAP_W32API int _getche(void);
/* Returns nonzero if a read would not wait: a key (or byte) is waiting, or
 * the input is at its end; 0 if not. Consumes nothing. */
SHMAP_W32API int _kbhit(void);
/* Writes c as one byte to descriptor 1, after stdout's buffered output,
 * and returns c, or EOF on a write error. */
SHMAP_W32API int _putch(int c);

/* The old names, as Windows' conio.h still offers them. */
#define getch _getch
#define getche _getche
#define kbhit _kbhit
#define putch _putch

#ifdef __cplusplus
}
#endif

#endif
