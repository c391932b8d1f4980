/* SPDX-License-Identifier: MIT */
/*
 * child: the child process of Microsoft's "Creating a Child Process with
 * Redirected Input and Output" sample, written from its documentation.
 * It copies its standard input to its standard output through the handles
 * GetStdHandle gives, which redirect_parent has made pipes. Its own
 * printf goes through the C library's buffer, so when standard output is a
 * pipe the message comes out when the process ends, after the copied
 * text, as it does on Windows.
 */
#include <windows.h>
#include <stdio.h>

#define BUFSIZE 4096

int main(void)
{
   CHAR chBuf[BUFSIZE];
   DWORD dwRead, dwWritten;
   HANDLE hStdin, hStdout;
   BOOL bSuccess;

   hStdout = GetStdHandle(STD_OUTPUT_HANDLE);
   hStdin = GetStdHandle(STD_INPUT_HANDLE);
   if (
       (hStdout == INVALID_HANDLE_VALUE) ||
       (hStdin == INVALID_HANDLE_VALUE)
      )
      ExitProcess(1);

   // Send something to this process's stdout using printf.
   printf("\n ** This is a message from the child process. ** \n");

   // This simple algorithm uses the existence of the pipes to control execution.
   // It relies on the pipe buffers to ensure that no data is lost.
   // Larger applications would use more advanced process control.

   for (;;)
   {
   // Read from standard input and stop on error or no data.
      bSuccess = ReadFile(hStdin, chBuf, BUFSIZE, &dwRead, NULL);

      if (! bSuccess || dwRead == 0)
         break;

   // Write to standard output and stop on error.
      bSuccess = WriteFile(hStdout, chBuf, dwRead, &dwWritten, NULL);

      if (! bSuccess)
         break;
   }
   return 0;
}
