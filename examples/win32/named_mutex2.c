/* SPDX-License-Identifier: MIT */
/*
 * named_mutex2: the second process of Microsoft's "Using Named Objects"
 * sample, written from its documentation. It opens the mutex named
 * "NameOfMutexObject" that named_mutex1 holds.
 */
#include <windows.h>
#include <stdio.h>

// This process opens a handle to a mutex created by another process.

int main(void)
{
    HANDLE hMutex;

    hMutex = OpenMutex(
        MUTEX_ALL_ACCESS,            // request full access
        FALSE,                       // handle not inheritable
        TEXT("NameOfMutexObject"));  // object name

    if (hMutex == NULL)
        printf("OpenMutex error: %d\n", GetLastError() );
    else printf("OpenMutex successfully opened the mutex.\n");

    CloseHandle(hMutex);

    return 0;
}
