/* SPDX-License-Identifier: MIT */
/*
 * event_threads: Microsoft's "Using Event Objects" sample, written from its
 * documentation. The main thread creates a manual-reset event named
 * "WriteEvent" and four threads that wait for it; it "writes the shared
 * buffer" and sets the event, which releases every waiting thread at once,
 * then waits for all four threads to end.
 */
#include <windows.h>
#include <stdio.h>

#define THREADCOUNT 4

HANDLE ghWriteEvent;
HANDLE ghThreads[THREADCOUNT];

DWORD WINAPI ThreadProc(LPVOID);

void CreateEventsAndThreads(void)
{
    int i;
    DWORD dwThreadID;

    // A manual-reset event, initially nonsignaled: the main thread sets it
    // when the buffer is written, and it stays set for every reader.
    ghWriteEvent = CreateEvent(
        NULL,               // default security attributes
        TRUE,               // manual-reset event
        FALSE,              // initial state is nonsignaled
        TEXT("WriteEvent")  // object name
        );

    if (ghWriteEvent == NULL)
    {
        printf("CreateEvent failed (%d)\n", GetLastError());
        return;
    }

    // The threads that read from the buffer once the event is set.
    for (i = 0; i < THREADCOUNT; i++)
    {
        ghThreads[i] = CreateThread(
            NULL,              // default security
            0,                 // default stack size
            ThreadProc,        // name of the thread function
            NULL,              // no thread parameters
            0,                 // default startup flags
            &dwThreadID);

        if (ghThreads[i] == NULL)
        {
            printf("CreateThread failed (%d)\n", GetLastError());
            return;
        }
    }
}

void WriteToBuffer(VOID)
{
    // The shared buffer would be written here.
    printf("Main thread writing to the shared buffer...\n");

    // Signal the event: the readers may now read the buffer.
    if (! SetEvent(ghWriteEvent) )
    {
        printf("SetEvent failed (%d)\n", GetLastError());
        return;
    }
}

void CloseEvents()
{
    CloseHandle(ghWriteEvent);
}

int main( void )
{
    DWORD dwWaitResult;

    CreateEventsAndThreads();

    // Until the event is set, the reader threads block in their waits.
    WriteToBuffer();

    printf("Main thread waiting for threads to exit...\n");

    // Each thread handle is signaled when its thread ends.
    dwWaitResult = WaitForMultipleObjects(
        THREADCOUNT,   // number of handles in array
        ghThreads,     // array of thread handles
        TRUE,          // wait until all are signaled
        INFINITE);

    switch (dwWaitResult)
    {
        // All thread objects were signaled
        case WAIT_OBJECT_0:
            printf("All threads ended, cleaning up for application exit...\n");
            break;

        // An error occurred
        default:
            printf("WaitForMultipleObjects failed (%d)\n", GetLastError());
            return 1;
    }

    CloseEvents();

    return 0;
}

DWORD WINAPI ThreadProc(LPVOID lpParam)
{
    // lpParam is not used in this example.
    UNREFERENCED_PARAMETER(lpParam);

    DWORD dwWaitResult;

    printf("Thread %d waiting for write event...\n", GetCurrentThreadId());

    dwWaitResult = WaitForSingleObject(
        ghWriteEvent, // event handle
        INFINITE);    // indefinite wait

    switch (dwWaitResult)
    {
        // Event object was signaled
        case WAIT_OBJECT_0:
            // The shared buffer would be read here.
            printf("Thread %d reading from buffer\n", GetCurrentThreadId());
            break;

        // An error occurred
        default:
            printf("Wait error (%d)\n", GetLastError());
            return 0;
    }

    // Now that we are done reading the buffer, we could use another
    // event to signal that this thread is no longer reading.
    printf("Thread %d exiting\n", GetCurrentThreadId());
    return 1;
}
